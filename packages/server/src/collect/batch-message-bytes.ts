/**
 * The UTF-8 bytes of each message of a batch body as it was sent, read from the body's JSON text
 * (one pass over it, no serialization): the size limit per message is checked on these. `text`
 * must be JSON that parsed; `count` is the length of its parsed `batch` array. Undefined whenever
 * the text is not a plain `{"batch": [...]}` object as expected (an escaped key, a count that
 * differs): the caller then measures the parsed messages instead.
 */
export function batchMessageBytes(text: string, count: number): number[] | undefined {
  const scan = new Scan(text);
  scan.skipSpace();
  if (scan.code() !== OPEN_OBJECT) return undefined;
  scan.at++;
  let sizes: number[] | undefined;
  for (;;) {
    scan.skipSpace();
    if (scan.code() === CLOSE_OBJECT) break;
    const keyStart = scan.at;
    scan.skipString();
    const key = text.slice(keyStart + 1, scan.at - 1);
    if (key.includes('\\')) return undefined; // an escaped key could spell "batch"
    scan.skipSpace();
    scan.at++; // the colon
    scan.skipSpace();
    if (key === 'batch' && scan.code() === OPEN_ARRAY) {
      sizes = scan.elementBytes(); // a repeated key: the last wins, as in JSON.parse
    } else {
      scan.skipValue();
    }
    scan.skipSpace();
    if (scan.code() !== COMMA) break;
    scan.at++;
  }
  return sizes?.length === count ? sizes : undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** UTF-8 bytes of one UTF-16 unit: a surrogate pair counts 4 on its first unit. */
function utf8Bytes(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff) return 4;
  if (code >= 0xdc00 && code <= 0xdfff) return 0;
  return 3;
}

class Scan {
  at = 0;
  constructor(private readonly text: string) {}

  code(): number {
    return this.text.charCodeAt(this.at);
  }

  skipSpace(): void {
    for (let c = this.code(); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = this.code())
      this.at++;
  }

  /** From an opening quote to just past the closing one; the bytes between. */
  skipString(): number {
    const { text } = this;
    let bytes = 1;
    for (this.at++; this.at < text.length; this.at++) {
      const c = text.charCodeAt(this.at);
      bytes += utf8Bytes(c);
      if (c === BACKSLASH) {
        this.at++; // what follows a backslash in JSON is ASCII (u of \uXXXX included)
        bytes++;
      } else if (c === QUOTE) {
        break;
      }
    }
    this.at++;
    return bytes;
  }

  /** Past one value (string, number, literal, object, array); its bytes as written. */
  skipValue(): number {
    const { text } = this;
    let depth = 0;
    let bytes = 0;
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at);
      if (c === QUOTE) {
        bytes += this.skipString();
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
        bytes++;
        this.at++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (depth === 0) break; // the end of the container this value is in
        depth--;
        bytes++;
        this.at++;
      } else if (c === COMMA && depth === 0) {
        break;
      } else {
        bytes += utf8Bytes(c);
        this.at++;
      }
      if (depth === 0 && (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === QUOTE)) break;
    }
    return bytes;
  }

  /** At an opening bracket: the bytes of each element, without the spaces around them. */
  elementBytes(): number[] {
    const sizes: number[] = [];
    this.at++;
    this.skipSpace();
    if (this.code() === CLOSE_ARRAY) {
      this.at++;
      return sizes;
    }
    for (;;) {
      this.skipSpace();
      sizes.push(this.skipValue() - this.trailingSpace());
      this.skipSpace();
      const c = this.code();
      this.at++;
      if (c !== COMMA) return sizes; // the closing bracket
    }
  }

  /** Spaces a number or literal value ended with (counted by skipValue up to the delimiter). */
  private trailingSpace(): number {
    let spaces = 0;
    for (let i = this.at - 1; i >= 0; i--) {
      const c = this.text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      spaces++;
    }
    return spaces;
  }
}
