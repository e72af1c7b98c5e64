/** An S3 error response: HTTP status, S3 error code and message, sent as an `<Error>` XML body. */
export class S3Error extends Error {
  override readonly name = 'S3Error';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra elements of the XML error body, e.g. `Key` or `CanonicalRequest`. */
    readonly details: Record<string, string> = {},
    /** Extra response headers, e.g. `Content-Range` on 416. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const s3Errors = {
  accessDenied: (message = 'Access Denied') => new S3Error(403, 'AccessDenied', message),
  noSuchBucket: (bucket: string) =>
    new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(
      404,
      'NoSuchUpload',
      'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    ),
  preconditionFailed: (condition: string) =>
    new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: condition,
    }),
  notImplemented: (message: string) => new S3Error(501, 'NotImplemented', message),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error(
      400,
      'InvalidArgument',
      message,
      name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' },
    ),
  invalidRequest: (message: string) => new S3Error(400, 'InvalidRequest', message),
  malformedXml: () =>
    new S3Error(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    ),
  badDigest: (what: string) =>
    new S3Error(400, 'BadDigest', `The ${what} you specified did not match the calculated checksum.`),
  internal: () => new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'),
};
