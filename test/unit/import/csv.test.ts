/** tools/data/csv-schemas.ts: the CSV reader (start lines, recovery) and the per-table row schemas. No database. */
import { describe, expect, it } from "vitest";
import {
  accidentsSpec,
  checkHeader,
  isProblem,
  mountainsSpec,
  parseCsv,
  routesSpec,
  validateRecord,
  weatherSpec,
  type TableSpec,
} from "../../../tools/data/csv-schemas.ts";

const summary = (text: string) =>
  parseCsv(text).records.map((r) => (isProblem(r) ? `${r.line}: ${r.problem}` : `${r.line}-${r.endLine}: ${JSON.stringify(r.fields)}`));

describe("parseCsv", () => {
  it("reports the physical line each record starts on, across quoted line breaks (LF and CRLF)", () => {
    const text = 'a,b\n1,"x\ny\nz"\n2,w\r\n3,"p\r\nq"\r\n4,"say ""hi"", ok"\n';
    expect(parseCsv(text).header).toEqual({ line: 1, endLine: 1, fields: ["a", "b"] });
    expect(summary(text)).toEqual(['2-4: ["1","x\\ny\\nz"]', '5-5: ["2","w"]', '6-7: ["3","p\\r\\nq"]', '8-8: ["4","say \\"hi\\", ok"]']);
  });

  it("skips a BOM and empty lines, keeps counting them, and needs no final newline", () => {
    expect(summary("\ufeffa,b\n\n1,x\n\r\n\n2,y")).toEqual(['3-3: ["1","x"]', '6-6: ["2","y"]']);
  });

  it("an unterminated quote at the end rejects that record and re-reads the following lines", () => {
    expect(summary('a,b\n1,x\n2,"oops\n3,y\n4,z\n')).toEqual([
      '2-2: ["1","x"]',
      '3: unterminated quoted field in column "b": the quote is never closed, so lines 3–5 would be one field; reading resumes at line 4',
      '4-4: ["3","y"]',
      '5-5: ["4","z"]',
    ]);
  });

  it("a stray quote that pairs with a later one rejects only the record it starts in", () => {
    expect(summary('a,b\n1,"oops\n2,y\n3,"z"\n4,k\n')).toEqual([
      '2: unbalanced quotes: the quoted field in column "b" pairs with a quote on line 4 that is followed by "z\\""; reading resumes at line 3',
      '3-3: ["2","y"]',
      '4-4: ["3","z"]',
      '5-5: ["4","k"]',
    ]);
  });

  it("text after a closing quote and wrong field counts are problems of that record only", () => {
    expect(summary('a,b\n1,"ab"c\n2\n3,x,y\n4,ok\n5,a"b\n')).toEqual([
      '2: malformed quoted field in column "b": "c" follows the closing quote',
      "3: expected 2 fields as in the header, found 1",
      "4: expected 2 fields as in the header, found 3",
      '5-5: ["4","ok"]',
      '6-6: ["5","a\\"b"]',
    ]);
  });

  it("a multi-line record with the wrong field count is re-read from its second line", () => {
    expect(summary('a,b,c\n1,"x\n2,y,z\n3,u,v",w,extra\n')).toEqual([
      "2: expected 3 fields as in the header, found 4 (in one record spanning lines 2–4); reading resumes at line 3",
      '3-3: ["2","y","z"]',
      "4: expected 3 fields as in the header, found 5",
    ]);
  });

  it("an empty file has no header", () => {
    expect(parseCsv("")).toEqual({ header: null, records: [] });
  });
});

function check(spec: TableSpec<any>, values: Record<string, string>) {
  const names = spec.columns.map((c) => c.name);
  const h = checkHeader(spec, names);
  if (!h.ok) throw new Error(h.reason);
  return validateRecord(
    spec,
    names.map((n) => values[n] ?? ""),
    h.indexOf,
  );
}

describe("row schemas", () => {
  const mountain = { mountain_id: "1", name: "Grand Teton", latitude: "43.74", longitude: "-110.8" };

  it("integer ids may be written as floats; 1.5 and abc are rejected with column and value", () => {
    expect(check(mountainsSpec, { ...mountain, mountain_id: "12.0" })).toMatchObject({ ok: true, row: { mountain_id: 12 } });
    expect(check(mountainsSpec, { ...mountain, mountain_id: "1.5" })).toEqual({ ok: false, reason: 'mountain_id "1.5" is not an integer' });
    expect(check(mountainsSpec, { ...mountain, mountain_id: "abc" })).toEqual({ ok: false, reason: 'mountain_id "abc" is not an integer' });
    expect(check(mountainsSpec, { ...mountain, mountain_id: "" })).toEqual({ ok: false, reason: "mountain_id is empty (required)" });
    expect(check(mountainsSpec, { ...mountain, mountain_id: "99999999999" })).toEqual({
      ok: false,
      reason: 'mountain_id "99999999999" is out of range [0, 2147483647]',
    });
  });

  it("empty optional cells are NULL, numbers are parsed, text is trimmed", () => {
    const r = check(mountainsSpec, { ...mountain, name: "  Grand Teton ", elevation_ft: "13775.0", accident_count: "" });
    expect(r).toEqual({
      ok: true,
      row: {
        mountain_id: 1,
        name: "Grand Teton",
        alt_names: null,
        elevation_ft: 13775,
        prominence_ft: null,
        type: null,
        range: null,
        state: null,
        latitude: 43.74,
        longitude: -110.8,
        location: null,
        accident_count: 0,
      },
    });
    expect(check(mountainsSpec, { ...mountain, elevation_ft: "12,000" })).toEqual({ ok: false, reason: 'elevation_ft "12,000" is not a number' });
    expect(check(mountainsSpec, { ...mountain, elevation_ft: "45000" })).toEqual({ ok: false, reason: 'elevation_ft "45000" is out of range [-1500, 30000]' });
  });

  it("coordinates: ranges, and both or neither", () => {
    expect(check(mountainsSpec, { ...mountain, latitude: "", longitude: "" })).toMatchObject({ ok: true, row: { latitude: null, longitude: null } });
    expect(check(mountainsSpec, { ...mountain, latitude: "90.5" })).toEqual({ ok: false, reason: 'latitude "90.5" is out of range [-90, 90]' });
    expect(check(mountainsSpec, { ...mountain, longitude: "-180.01" })).toEqual({ ok: false, reason: 'longitude "-180.01" is out of range [-180, 180]' });
    expect(check(mountainsSpec, { ...mountain, longitude: "" })).toEqual({
      ok: false,
      reason: 'longitude is empty but latitude is "43.74" (give both coordinates or neither)',
    });
    // Every problem of the record at once.
    expect(check(mountainsSpec, { ...mountain, mountain_id: "x", name: "", latitude: "" })).toEqual({
      ok: false,
      reason: 'mountain_id "x" is not an integer; name is empty (required); latitude is empty but longitude is "-110.8" (give both coordinates or neither)',
    });
  });

  it("dates are ISO calendar dates; an accident may have none, a weather row may not", () => {
    const acc = { accident_id: "1", date: "2019-02-28" };
    expect(check(accidentsSpec, acc)).toMatchObject({ ok: true, row: { date: "2019-02-28" } });
    expect(check(accidentsSpec, { ...acc, date: "2020-02-29" })).toMatchObject({ ok: true });
    expect(check(accidentsSpec, { ...acc, date: "2019-02-30" })).toEqual({ ok: false, reason: 'date "2019-02-30" is not a valid calendar date' });
    expect(check(accidentsSpec, { ...acc, date: "13/01/2020" })).toEqual({ ok: false, reason: 'date "13/01/2020" is not an ISO date (YYYY-MM-DD)' });
    expect(check(accidentsSpec, { ...acc, date: "" })).toMatchObject({ ok: true, row: { date: null } });
    const w = { weather_id: "1", date: "", latitude: "1", longitude: "2" };
    expect(check(weatherSpec, w)).toEqual({ ok: false, reason: "date is empty (required)" });
  });

  it("injury_severity and route type are lower-cased; unknown values are kept", () => {
    const acc = { accident_id: "1", date: "2019-02-28" };
    expect(check(accidentsSpec, { ...acc, injury_severity: " Serious" })).toMatchObject({ row: { injury_severity: "serious" } });
    expect(check(accidentsSpec, { ...acc, injury_severity: "Critical" })).toMatchObject({ row: { injury_severity: "critical" } });
    const route = { route_id: "1", name: "r" };
    // Kept as written (lower-cased): the engine's table maps "big wall" to aid and "big_wall" to trad.
    expect(check(routesSpec, { ...route, type: " Big  Wall " })).toMatchObject({ row: { type: "big wall" } });
    expect(check(routesSpec, { ...route, type: "big_wall" })).toMatchObject({ row: { type: "big_wall" } });
    expect(check(routesSpec, { ...route, type: "Via Ferrata" })).toMatchObject({ row: { type: "via ferrata" } });
  });

  it("multi-line descriptions keep their line breaks; accident FKs accept float ids", () => {
    const r = check(accidentsSpec, { accident_id: "1.0", description: 'Line one, with "quotes"\nLine two\n', mountain_id: "53.0", route_id: "" });
    expect(r).toMatchObject({ ok: true, row: { accident_id: 1, description: 'Line one, with "quotes"\nLine two', mountain_id: 53, route_id: null } });
  });

  it("weather values have physical bounds matching the table's CHECKs", () => {
    const w = { weather_id: "1", date: "2020-01-01", latitude: "1", longitude: "2" };
    expect(check(weatherSpec, { ...w, cloud_cover_avg: "100.5" })).toEqual({ ok: false, reason: 'cloud_cover_avg "100.5" is out of range [0, 100]' });
    expect(check(weatherSpec, { ...w, wind_speed_avg: "-1" })).toEqual({ ok: false, reason: 'wind_speed_avg "-1" is out of range [0, ∞]' });
    expect(check(weatherSpec, { ...w, accident_id: "" })).toMatchObject({ ok: true, row: { accident_id: null } });
  });
});

describe("checkHeader", () => {
  it("a missing required column rejects the file; missing optional and unknown columns are warnings", () => {
    const names = routesSpec.columns.map((c) => c.name);
    expect(
      checkHeader(
        routesSpec,
        names.filter((n) => n !== "mountain_id" && n !== "type"),
      ),
    ).toEqual({
      ok: false,
      reason: 'missing required columns "mountain_id", "type" in the header; file rejected',
    });
    const h = checkHeader(routesSpec, [...names.filter((n) => n !== "grade"), "notes"]);
    expect(h.ok && h.warnings).toEqual(['optional column "grade" is missing; loaded as NULL', 'unknown column "notes" ignored']);
    expect(checkHeader(routesSpec, [...names, "name"])).toEqual({ ok: false, reason: 'header repeats column "name"; file rejected' });
  });
});
