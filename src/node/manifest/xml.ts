/**
 * A small XML reader, enough for DASH MPDs: elements, attributes, text, comments, CDATA, the XML
 * declaration and a DOCTYPE (skipped), the five named entities and numeric character references.
 * Namespace prefixes are dropped from element names (`<mpd:MPD>` is `MPD`); attributes keep theirs.
 * No DTDs, no external entities: nothing is fetched. Malformed input throws `manifest-parse` with
 * the line.
 */
import { ParseError } from '../../core/errors.js';

export interface XmlElement {
  /** Local name, without any namespace prefix. */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (character data directly inside it, entity-decoded, untrimmed). */
  readonly text: string;
  /** 1-based line of the start tag, for error messages. */
  readonly line: number;
}

interface Building {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME_RE = /[A-Za-z_:][-\w.:]*/y;
const ATTRIBUTE_RE = /\s*([A-Za-z_:][-\w.:]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** Parses `text` and returns its root element. `file` names the source in errors. */
export function parseXml(text: string, file: string): XmlElement {
  // Lines counted forward from the last answer: offsets only grow while reading, so this stays linear.
  let countedTo = 0;
  let countedLine = 1;
  const lineAt = (offset: number) => {
    if (offset < countedTo) {
      countedTo = 0;
      countedLine = 1;
    }
    for (; countedTo < offset && countedTo < text.length; countedTo++) if (text.charCodeAt(countedTo) === 10) countedLine++;
    return countedLine;
  };
  const fail = (offset: number, detail: string): never => {
    throw new ParseError('manifest-parse', file, lineAt(offset), detail);
  };
  const decode = (raw: string, offset: number) =>
    raw.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, ref: string) => {
      if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
      const named = NAMED_ENTITIES[ref];
      return named ?? fail(offset, `unknown entity &${ref};`);
    });

  const stack: Building[] = [];
  let root: XmlElement | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt === -1 ? text.length : lt);
    if (chunk.length > 0) {
      const top = stack[stack.length - 1];
      if (top) top.text += decode(chunk, i);
      else if (chunk.trim() !== '') fail(i, 'text outside the root element');
    }
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) fail(i, 'unclosed comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) fail(i, 'unclosed CDATA section');
      const top = stack[stack.length - 1];
      if (top) top.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) fail(i, 'unclosed processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      // DOCTYPE: skipped whole, internal subset included; nothing in it is used.
      let depth = 0;
      let j = i + 2;
      for (; j < text.length; j++) {
        const c = text[j];
        if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth <= 0) break;
      }
      if (j >= text.length) fail(i, 'unclosed <! declaration');
      i = j + 1;
    } else if (text.startsWith('</', i)) {
      NAME_RE.lastIndex = i + 2;
      const match = NAME_RE.exec(text);
      if (!match) fail(i, 'malformed end tag');
      const name = localName(match![0]);
      const end = text.indexOf('>', NAME_RE.lastIndex);
      if (end === -1 || text.slice(NAME_RE.lastIndex, end).trim() !== '') fail(i, `malformed end tag </${match![0]}`);
      const open = stack.pop();
      if (!open || open.name !== name) fail(i, open ? `</${name}> closes <${open.name}> (line ${open.line})` : `</${name}> without a start tag`);
      close(open!);
      i = end + 1;
    } else {
      NAME_RE.lastIndex = i + 1;
      const match = NAME_RE.exec(text);
      if (!match) fail(i, "a '<' that starts no tag");
      const element: Building = { name: localName(match![0]), attributes: {}, children: [], text: '', line: lineAt(i) };
      let j = NAME_RE.lastIndex;
      for (;;) {
        ATTRIBUTE_RE.lastIndex = j;
        const attribute = ATTRIBUTE_RE.exec(text);
        if (!attribute) break;
        element.attributes[attribute[1]!] = decode(attribute[2] ?? attribute[3] ?? '', j);
        j = ATTRIBUTE_RE.lastIndex;
      }
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (root !== null && stack.length === 0) fail(i, 'a second root element');
      if (text.startsWith('/>', j)) {
        stack.push(element);
        close(stack.pop()!);
        i = j + 2;
      } else if (text[j] === '>') {
        stack.push(element);
        i = j + 1;
      } else {
        fail(j, `malformed start tag <${match![0]}`);
      }
    }
  }
  if (stack.length > 0) fail(text.length, `<${stack[stack.length - 1]!.name}> (line ${stack[stack.length - 1]!.line}) is never closed`);
  if (root === null) fail(0, 'no root element');
  return root!;

  function close(element: Building): void {
    const done: XmlElement = element;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(done);
    else root = done;
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Direct children named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The first direct child named `name`, if any. */
export function childNamed(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((child) => child.name === name);
}
