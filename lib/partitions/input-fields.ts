/**
 * The step-input fields the partition functions share, checked by their schemas before any AWS call
 * (a name GetTable would refuse, a malformed URI, fails without one).
 */
import * as z from 'zod/mini';
import { nonEmptyText } from '../lambda-step/inputs';
import { ATHENA_IDENTIFIER } from './athena-statements';
import { isS3Uri } from './s3-uri';

// Glue's name pattern (a single-line string: no control character but tab), 1-255 characters.
const GLUE_NAME = /^[\t\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]+$/u;
const MAX_GLUE_NAME_LENGTH = 255;
// An S3 key has at most 1024 bytes and a bucket name 63 characters.
const MAX_S3_URI_LENGTH = 1100;
const WORK_GROUP = /^[a-zA-Z0-9._-]{1,128}$/;

/** A Glue database or table name as GetTable takes it. */
export const glueName = () =>
  nonEmptyText().check(
    z.maxLength(MAX_GLUE_NAME_LENGTH, { error: `expected at most ${MAX_GLUE_NAME_LENGTH} characters (a Glue name)` }),
    z.regex(GLUE_NAME, { error: 'expected a Glue name (no control characters)' }),
  );

/** A database or table name that can go into an Athena statement. */
export const athenaName = () =>
  nonEmptyText().check(z.regex(ATHENA_IDENTIFIER, { error: 'expected an Athena identifier (letters, digits, _ and -, at most 255)' }));

/** An `s3://bucket/prefix` URI (s3a and s3n too), as parseS3Uri reads it. */
export const s3UriText = () =>
  nonEmptyText().check(
    z.maxLength(MAX_S3_URI_LENGTH, { error: `expected an S3 URI of at most ${MAX_S3_URI_LENGTH} characters` }),
    z.refine(isS3Uri, { error: 'expected an s3://bucket/prefix URI' }),
  );

/** An Athena workgroup name. */
export const athenaWorkGroup = () => nonEmptyText().check(z.regex(WORK_GROUP, { error: 'expected an Athena workgroup name ([a-zA-Z0-9._-], 1-128 characters)' }));
