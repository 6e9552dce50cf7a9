import { SaxesParser } from "saxes";

/**
 * A push XML reader for repository metadata (repomd.xml, primary.xml): text chunks in, one callback per element out.
 * A real XML parser (saxes), so attribute order, quoting, entities, CDATA and namespace prefixes are the XML
 * grammar's business and not a regex's: repositories other than Fedora's write the same elements differently.
 */

export interface XmlElement {
  /** Local name: a namespace prefix (`rpm:entry` → `entry`) is dropped. */
  name: string;
  attributes: Readonly<Record<string, string>>;
  /** 0 for the root element. */
  depth: number;
}

export interface XmlHandlers {
  open?(element: XmlElement): void;
  /** `text` is the element's own character data after its last child (all of it for a leaf such as `<name>`). */
  close?(element: XmlElement, text: string): void;
}

export interface XmlStream {
  push(chunk: string): void;
  /** Ends the document; the first well-formedness error, if there was one. */
  end(): { error?: string };
}

const localName = (name: string): string => name.slice(name.indexOf(":") + 1);

export function createXmlStream(handlers: XmlHandlers): XmlStream {
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false });
  const stack: XmlElement[] = [];
  let text = "";
  let error: string | undefined;
  parser.on("error", (e) => {
    error ??= e.message;
  });
  parser.on("opentag", (tag) => {
    const element = { name: localName(tag.name), attributes: tag.attributes, depth: stack.length };
    stack.push(element);
    text = "";
    handlers.open?.(element);
  });
  parser.on("text", (t) => {
    text += t;
  });
  parser.on("cdata", (t) => {
    text += t;
  });
  parser.on("closetag", () => {
    const element = stack.pop();
    if (element) handlers.close?.(element, text);
    text = "";
  });
  return {
    push(chunk) {
      // After the first error the document means nothing more: stop reading it.
      if (error === undefined) parser.write(chunk);
    },
    end() {
      if (error === undefined) parser.close();
      return error === undefined ? {} : { error };
    },
  };
}
