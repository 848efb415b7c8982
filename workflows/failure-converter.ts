// Loaded by path into the workflow bundle and by every worker and client (services/payload-codec.ts):
// a failure's message and stack are moved into an encoded payload, which the codec encrypts.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
