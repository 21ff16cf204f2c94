/** GET /routes, /routes/:id, /accidents, /accidents/:id: filters, keyset pagination, validation. */
import { beforeAll, describe, expect, it } from "vitest";
import { AccidentList, AccidentView, ErrorBody, RouteList, RouteView } from "../../../src/http/v2/schemas";
import { ACCIDENTS, BOX_PARAM, LOCATED_ROUTES, call, json, seed } from "./helpers";

beforeAll(seed);

async function allPages<T>(first: string, key: "routes" | "accidents"): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let url: string | null = first;
  let pages = 0;
  while (url) {
    const res = await call(url);
    expect(res.status).toBe(200);
    const body = await json(res);
    items.push(...body[key]);
    pages++;
    url = body.next_cursor ? `${first}&cursor=${encodeURIComponent(body.next_cursor)}` : null;
  }
  return { items, pages };
}

describe("GET /routes", () => {
  it("lists the routes in a box ordered by id, with raw and canonical types, paging with an opaque cursor", async () => {
    const res = await call(`/routes?bbox=${BOX_PARAM}&limit=5`);
    expect(res.status).toBe(200);
    expect(res.headers.get("ETag")).toBeTruthy();
    const page1 = RouteList.parse(await res.json());
    expect(page1.routes.map((r) => r.id)).toEqual(LOCATED_ROUTES.slice(0, 5));
    expect(page1.next_cursor).toBeTruthy();
    expect(page1.next_cursor).not.toContain("900005"); // opaque (base64)

    const { items, pages } = await allPages<{ id: number }>(`/routes?bbox=${BOX_PARAM}&limit=5`, "routes");
    expect(items.map((r) => r.id)).toEqual(LOCATED_ROUTES); // 900013 has no coordinates: not listed
    expect(pages).toBe(3);

    const byId = new Map(page1.routes.map((r) => [r.id, r]));
    expect(byId.get(900001)).toMatchObject({
      name: "Zedtest North Ridge",
      mountain_id: 900001,
      mountain_name: "Mount Zedtest",
      type: "alpine",
      canonical_type: "alpine",
      grade: "5.6",
      latitude: -44.501,
      longitude: 169.502,
      accident_count: 0,
    });
    expect(byId.get(900001)!.elevation_m).toBeCloseTo(9000 * 0.3048, 1);
    // Coordinates from the mountain when the route has none.
    expect(byId.get(900003)).toMatchObject({ latitude: -44.5, longitude: 169.5, canonical_type: "ice" });
  });

  it("type filters on the canonical type (spec 4.1): big_wall, null and unknown are trad; 'Sport' is sport", async () => {
    const trad = RouteList.parse(await json(await call(`/routes?bbox=${BOX_PARAM}&type=TRAD&limit=200`)));
    expect(trad.routes.map((r) => r.id)).toEqual([900002, 900005, 900006, 900008, 900012]);
    expect(trad.routes.every((r) => r.canonical_type === "trad")).toBe(true);
    const sport = RouteList.parse(await json(await call(`/routes?bbox=${BOX_PARAM}&type=sport`)));
    expect(sport.routes.map((r) => [r.id, r.type])).toEqual([[900007, "Sport"]]);
    const boulder = RouteList.parse(await json(await call(`/routes?bbox=${BOX_PARAM}&type=boulder`)));
    expect(boulder.routes).toEqual([]);
    expect(boulder.next_cursor).toBeNull();
  });

  it("q searches route and mountain names case-insensitively, with LIKE characters taken literally", async () => {
    const byRoute = RouteList.parse(await json(await call(`/routes?q=zedtest%20couloir`)));
    expect(byRoute.routes.map((r) => r.id)).toEqual([900003]);
    const byMountain = RouteList.parse(await json(await call(`/routes?q=ZEDTEST%20SPIRE&limit=200`)));
    expect(byMountain.routes.map((r) => r.id)).toEqual([900005, 900006, 900007, 900008, 900011]);
    const literal = RouteList.parse(await json(await call(`/routes?q=${encodeURIComponent("100% Gully_")}`)));
    expect(literal.routes.map((r) => r.id)).toEqual([900011]);
    const none = RouteList.parse(await json(await call(`/routes?q=${encodeURIComponent("Zedtest _ridge")}`)));
    expect(none.routes).toEqual([]);
  });

  it("without a box every located route is listed, in id order, ours last", async () => {
    const { items } = await allPages<{ id: number }>(`/routes?limit=200`, "routes");
    const ids = items.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id >= 900000 && id < 900100)).toEqual(LOCATED_ROUTES);
  });

  it("rejects bad boxes, limits, types, cursors and unknown parameters without a 500", async () => {
    const cases: [string, number, string][] = [
      ["bbox=1,2,3", 422, "bbox"],
      ["bbox=10,0,5,1", 422, "bbox"],
      ["bbox=0,10,1,5", 422, "bbox"],
      ["bbox=-181,0,1,1", 422, "bbox"],
      ["bbox=0,-91,1,1", 422, "bbox"],
      ["bbox=a,b,c,d", 422, "bbox"],
      ["limit=0", 422, "limit"],
      ["limit=201", 422, "limit"],
      ["limit=ten", 400, "limit"],
      ["type=scrambling", 422, "type"],
      ["cursor=bm9wZQ", 400, "cursor"],
      ["cursor=%%%", 400, "cursor"],
      [`cursor=${btoa("a:5")}`, 400, "cursor"],
      ["q=", 422, "q"],
      ["sort=name", 400, "sort"],
      ["limit=5&limit=6", 400, "limit"],
    ];
    for (const [query, status, field] of cases) {
      const res = await call(`/routes?${query}`);
      expect(res.status, query).toBe(status);
      expect(ErrorBody.parse(await res.json()).error.field, query).toBe(field);
    }
  });
});

describe("GET /routes/:id", () => {
  it("one route; 404 JSON when unknown or unlocatable; 400 when the id is not a positive integer", async () => {
    const res = await call("/routes/900002");
    expect(res.status).toBe(200);
    expect(RouteView.parse(await res.json())).toMatchObject({ id: 900002, name: "Zedtest East Face", canonical_type: "trad" });
    for (const id of ["899999", "900013"]) {
      const r = await call(`/routes/${id}`);
      expect(r.status).toBe(404);
      expect(ErrorBody.parse(await r.json()).error.code).toBe("not_found");
    }
    for (const id of ["0", "-1", "x", "2147483648", "9".repeat(12), "1%20"]) {
      const r = await call(`/routes/${id}`);
      expect(r.status, id).toBe(400);
    }
  });
});

describe("GET /accidents", () => {
  const ours = ACCIDENTS.filter((a) => a.lat !== null).map((a) => a.id);

  it("filters by box, since and severity (case-insensitive, null counts as unknown), pages by id", async () => {
    const all = AccidentList.parse(await json(await call(`/accidents?bbox=${BOX_PARAM}`)));
    expect(all.accidents.map((a) => a.id)).toEqual(ours);
    expect(all.accidents[0]).toMatchObject({ id: 900001, date: "2019-01-12", injury_severity: "fatal", mountain_id: 900001, source: "TEST" });

    const since = AccidentList.parse(await json(await call(`/accidents?bbox=${BOX_PARAM}&since=2022-01-01`)));
    expect(since.accidents.map((a) => a.id)).toEqual([900004, 900005, 900006]);

    const serious = AccidentList.parse(await json(await call(`/accidents?bbox=${BOX_PARAM}&severity=serious`)));
    expect(serious.accidents.map((a) => a.id)).toEqual([900002, 900004]);
    const unknown = AccidentList.parse(await json(await call(`/accidents?bbox=${BOX_PARAM}&severity=Unknown,minor`)));
    expect(unknown.accidents.map((a) => a.id)).toEqual([900003, 900005, 900006]);

    const { items, pages } = await allPages<{ id: number }>(`/accidents?bbox=${BOX_PARAM}&limit=2`, "accidents");
    expect(items.map((a) => a.id)).toEqual(ours);
    expect(pages).toBe(3);
  });

  it("without a box, accidents without coordinates are listed too", async () => {
    const after = encodeURIComponent(btoa("a:900006"));
    const res = AccidentList.parse(await json(await call(`/accidents?since=2018-05-05&severity=fatal&cursor=${after}`)));
    expect(res.accidents.map((a) => [a.id, a.latitude])).toEqual([[900007, null]]);
  });

  it("rejects bad input", async () => {
    for (const [query, status, field] of [
      ["since=2020-13-01", 422, "since"],
      ["severity=deadly", 422, "severity"],
      ["severity=", 422, "severity"],
      ["limit=1000", 422, "limit"],
      [`cursor=${btoa("r:5")}`, 400, "cursor"],
      ["bbox=0,0,0,0", 422, "bbox"],
      ["id=3", 400, "id"],
    ] as const) {
      const res = await call(`/accidents?${query}`);
      expect(res.status, query).toBe(status);
      expect(ErrorBody.parse(await res.json()).error.field, query).toBe(field);
    }
  });
});

describe("GET /accidents/:id", () => {
  it("the full record with the description; 404 and 400 as for routes", async () => {
    const res = await call("/accidents/900004");
    expect(res.status).toBe(200);
    const a = AccidentView.parse(await res.json());
    expect(a).toMatchObject({ id: 900004, date: "2022-11-05", injury_severity: "Serious", accident_type: "rappel", tags: null });
    expect(a.description).toBe('Synthetic accident 900004, "quoted", with a comma');
    expect((await call("/accidents/899999")).status).toBe(404);
    expect((await call("/accidents/abc")).status).toBe(400);
  });
});
