/** Request bodies for both surfaces: read with a size cap (declared or streamed), decoded as UTF-8. */

export class BodyTooLarge extends Error {
  override readonly name = "BodyTooLarge";
  constructor(readonly maxBytes: number) {
    super(`the body must be at most ${maxBytes} bytes`);
  }
}

export class BodyNotText extends Error {
  override readonly name = "BodyNotText";
  constructor() {
    super("the body is not valid UTF-8");
  }
}

/** The body as text ("" when there is none); BodyTooLarge beyond `maxBytes`, BodyNotText for invalid UTF-8. */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  if (Number(req.headers.get("Content-Length") ?? 0) > maxBytes) throw new BodyTooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLarge(maxBytes);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new BodyNotText();
  }
}
