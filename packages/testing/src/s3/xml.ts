import { XMLParser } from 'fast-xml-parser';
import { S3Error, s3Errors } from './errors.js';

/** An XML element: a name and either text or child elements (absent values are skipped). */
export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlNode[] | XmlValue[];

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Renders `{ Root: { ... } }` as an S3 XML document with the S3 namespace on the root. */
export function renderXml(root: XmlNode, options: { namespace?: boolean } = {}): string {
  const [name, value] = Object.entries(root)[0] ?? ['Empty', ''];
  const namespace = options.namespace === false ? '' : ` xmlns="${S3_NAMESPACE}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${name}${namespace}>${renderContent(value)}</${name}>`;
}

function renderContent(value: XmlValue): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return escapeXml(String(value));
  }
  if (Array.isArray(value)) {
    return value.map(renderContent).join('');
  }
  let output = '';
  for (const [name, child] of Object.entries(value)) {
    if (child === undefined) {
      continue;
    }
    // An array under a name repeats the element, as in <Contents>…</Contents><Contents>…</Contents>.
    const items = Array.isArray(child) ? child : [child];
    for (const item of items) {
      output += `<${name}>${renderContent(item)}</${name}>`;
    }
  }
  return output;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function renderError(error: S3Error, resource: string, requestId: string): string {
  return renderXml(
    {
      Error: {
        Code: error.code,
        Message: error.message,
        ...error.details,
        Resource: resource,
        RequestId: requestId,
      },
    },
    { namespace: false },
  );
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** Parses a request body, failing with MalformedXML when it is not XML with the expected root element. */
export function parseXmlBody(body: Buffer, rootName: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parser.parse(body.toString('utf8'), true);
  } catch {
    throw s3Errors.malformedXml();
  }
  const root = (parsed as Record<string, unknown> | undefined)?.[rootName];
  if (typeof root !== 'object' || root === null) {
    throw s3Errors.malformedXml();
  }
  return root as Record<string, unknown>;
}

/** Reads a text child of a parsed element, or undefined. */
export function textOf(element: unknown, name: string): string | undefined {
  const value = (element as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw s3Errors.malformedXml();
  }
  return value;
}

export function isS3Error(error: unknown): error is S3Error {
  return error instanceof S3Error;
}
