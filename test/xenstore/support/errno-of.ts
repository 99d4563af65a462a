import { XenstoreRequestError } from '../../../shared/xenstore/xenstore-client.js';

/** What XenStore answered a request: `OK`, or the errno it refused it with. */
export async function errnoOf(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return 'OK';
  } catch (error) {
    if (error instanceof XenstoreRequestError) return error.errno;
    throw error;
  }
}
