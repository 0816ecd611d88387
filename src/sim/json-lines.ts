/**
 * Line numbers for JSON documents, so loader errors can name the line: JSON.parse reports a
 * character offset, and semantic errors are found per array element.
 */
export function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Line on which element `index` of an array starts. The array is the top-level one, or the first
 * array after the property name `key`.
 */
export function lineOfArrayElement(text: string, index: number, key?: string): number | undefined {
  const keyAt = key === undefined ? 0 : text.indexOf(`"${key}"`);
  if (keyAt < 0) return undefined;
  const arrayStart = text.indexOf('[', keyAt);
  if (arrayStart < 0) return undefined;
  let depth = 0;
  let element = -1;
  let expectElement = false;
  let inString = false;
  for (let i = arrayStart; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (depth === 1 && expectElement && c !== ']') {
      element++;
      expectElement = false;
      if (element === index) return lineAtOffset(text, i);
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return undefined;
    } else if (c === ',' && depth === 1) expectElement = true;
  }
  return undefined;
}

/** Parses JSON, turning a syntax error into a line and a message. */
export function parseJsonWithLine(
  text: string,
): { ok: true; value: unknown } | { ok: false; line: number | undefined; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const lineMatch = /line (\d+)/.exec(message);
    const line = position ? lineAtOffset(text, Number(position[1])) : lineMatch ? Number(lineMatch[1]) : undefined;
    return { ok: false, line, message: `invalid JSON (${message})` };
  }
}
