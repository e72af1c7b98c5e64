import { AppError } from '@skillancer/service-kit';
import type { FastifyRequest } from 'fastify';
import { MAX_FILE_NAME_BYTES, MAX_UPLOAD_BYTES } from './image-policy.js';
import { mediaErrors } from './media-errors.js';

/** The form field that carries the upload. */
export const FILE_FIELD = 'file';

/**
 * Limits for @fastify/multipart on the upload routes. `headerSize` (a busboy option) bounds each
 * part's headers, so an oversized file name is cut there and still fails the name length check.
 */
export const MULTIPART_LIMITS = {
  fileSize: MAX_UPLOAD_BYTES,
  files: 1,
  fields: 4,
  parts: 5,
  fieldNameSize: 100,
  fieldSize: 1024,
  headerPairs: 10,
  headerSize: 8 * 1024,
};

/** Multipart parser errors and the API errors they become. */
const MULTIPART_ERRORS: Record<string, () => AppError> = {
  FST_REQ_FILE_TOO_LARGE: mediaErrors.fileTooLarge,
  FST_FILES_LIMIT: mediaErrors.tooManyFiles,
  FST_PARTS_LIMIT: mediaErrors.tooManyParts,
  FST_FIELDS_LIMIT: mediaErrors.tooManyParts,
  FST_INVALID_MULTIPART_CONTENT_TYPE: mediaErrors.multipartRequired,
};

const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * Reads the one file of a multipart/form-data upload into memory (at most 10 MiB). The file name is
 * checked (length, UTF-8, no control characters) and then dropped: it never becomes an object key.
 *
 * Throws 415 `multipart_required`, 413 `file_too_large`, or 400 `missing_file`, `empty_file`,
 * `too_many_files`, `too_many_parts`, `unexpected_field`, `file_name_too_long`,
 * `invalid_file_name` or `invalid_multipart`.
 */
export async function readSingleFile(request: FastifyRequest): Promise<Buffer> {
  if (!request.isMultipart()) {
    throw mediaErrors.multipartRequired();
  }
  let file: Buffer | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        throw part.fieldname === FILE_FIELD
          ? mediaErrors.missingFile(`The field "${FILE_FIELD}" is a text field, not a file`)
          : mediaErrors.unexpectedField(part.fieldname);
      }
      if (part.fieldname !== FILE_FIELD) {
        throw mediaErrors.unexpectedField(part.fieldname);
      }
      checkFileName(part.filename ?? '');
      file = await part.toBuffer();
    }
  } catch (error) {
    throw translateMultipartError(error);
  }
  if (file === undefined) {
    throw mediaErrors.missingFile('The form has no file');
  }
  if (file.length === 0) {
    throw mediaErrors.emptyFile();
  }
  return file;
}

/**
 * Rejects names that are too long, were not valid UTF-8 (busboy decodes invalid bytes to U+FFFD)
 * or contain control characters.
 */
function checkFileName(fileName: string): void {
  const bytes = Buffer.byteLength(fileName, 'utf8');
  if (bytes > MAX_FILE_NAME_BYTES) {
    throw mediaErrors.fileNameTooLong(bytes);
  }
  if (fileName.includes(REPLACEMENT_CHARACTER) || hasControlCharacter(fileName)) {
    throw mediaErrors.invalidFileName();
  }
}

function translateMultipartError(error: unknown): AppError {
  if (error instanceof AppError) {
    return error;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? MULTIPART_ERRORS[code] : undefined;
  return known === undefined ? mediaErrors.invalidMultipart(error) : known();
}

/** True for C0 control characters (NUL, newline, …) and DEL. */
function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) {
      return true;
    }
  }
  return false;
}
