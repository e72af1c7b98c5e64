import { AppError } from '@skillancer/service-kit';
import { MAX_FILE_NAME_BYTES, MAX_INPUT_PIXELS, MAX_INPUT_SIDE, MAX_UPLOAD_BYTES } from './image-policy.js';

const ACCEPTED = 'upload a JPEG, PNG, WebP or GIF image';

/** API errors of the upload routes, each with a stable code. */
export const mediaErrors = {
  multipartRequired: () =>
    new AppError(
      415,
      'multipart_required',
      'Send the image as multipart/form-data with one file in the field "file"',
    ),
  invalidMultipart: (cause: unknown) =>
    new AppError(400, 'invalid_multipart', 'The multipart/form-data body is malformed or incomplete', {
      cause,
    }),
  missingFile: (reason: string) =>
    new AppError(400, 'missing_file', `${reason}; send one file in the form field "file"`),
  tooManyFiles: () =>
    new AppError(400, 'too_many_files', 'The form has more than one file; send exactly one file in "file"'),
  tooManyParts: () =>
    new AppError(400, 'too_many_parts', 'The form has too many parts; send only the file field "file"'),
  unexpectedField: (fieldName: string) =>
    new AppError(
      400,
      'unexpected_field',
      `The form field "${fieldName.slice(0, 64)}" is not accepted; send only the file field "file"`,
      { details: { field: fieldName.slice(0, 64) } },
    ),
  fileNameTooLong: (bytes: number) =>
    new AppError(
      400,
      'file_name_too_long',
      `The file name has ${bytes} bytes or more; rename the file to at most ${MAX_FILE_NAME_BYTES} bytes`,
    ),
  invalidFileName: () =>
    new AppError(
      400,
      'invalid_file_name',
      'The file name is not valid UTF-8 or contains control characters; rename the file',
    ),
  emptyFile: () => new AppError(400, 'empty_file', `The file is empty (0 bytes); ${ACCEPTED}`),
  fileTooLarge: () =>
    new AppError(
      413,
      'file_too_large',
      `The file is larger than ${MAX_UPLOAD_BYTES / (1024 * 1024)} MiB; upload a smaller image`,
    ),
  /** `detected` is the media type found in the bytes, or undefined when none was recognized. */
  unsupportedImageType: (detected: string | undefined) =>
    new AppError(
      415,
      'unsupported_image_type',
      `The file content is ${detected === undefined ? 'of an unknown type' : detected}; ${ACCEPTED}`,
      { details: { detected: detected ?? 'unknown' } },
    ),
  polyglotFile: (imageType: string, embedded: string) =>
    new AppError(
      415,
      'polyglot_file',
      `The file is a ${imageType} image but also contains ${embedded}; export the image again from an image editor`,
      { details: { detected: imageType, embedded } },
    ),
  pixelLimitExceeded: (width: number, height: number) =>
    new AppError(
      422,
      'pixel_limit_exceeded',
      `The image is ${width}×${height} pixels; the limit is ${MAX_INPUT_PIXELS / 1_000_000} megapixels ` +
        `and ${MAX_INPUT_SIDE} pixels per side, so scale it down and upload it again`,
      { details: { width, height } },
    ),
  invalidImage: (imageType: string, cause?: unknown) =>
    new AppError(
      422,
      'invalid_image',
      `The ${imageType} image data is corrupt or truncated; export the image again and upload the complete file`,
      { cause },
    ),
  storageUnavailable: (cause: unknown) =>
    new AppError(
      503,
      'storage_unavailable',
      'The image could not be stored because object storage failed; nothing was changed, so retry shortly',
      { cause },
    ),
};
