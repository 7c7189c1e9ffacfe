// IPC channel names shared by the main process (ipc.ts) and the preload (preload.ts). Requests use
// one channel per contract request name (app/api/contract.ts REQUEST_NAMES); the feed is one channel.
export const requestChannel = (name: string): string => `switchyard:request:${name}`;
/** main → renderer: FeedEvent (snapshot first, then deltas). */
export const FEED_CHANNEL = 'switchyard:feed';
/** renderer → main: (re)start the feed; a fresh snapshot follows. */
export const FEED_SUBSCRIBE = 'switchyard:feed-subscribe';
/** renderer → main: stop the feed. */
export const FEED_UNSUBSCRIBE = 'switchyard:feed-unsubscribe';
/** renderer → main: one feed event was delivered (a window that stops taking them, hung or
 * paused in a debugger, makes the feed busy: ipc.ts). */
export const FEED_ACK = 'switchyard:feed-ack';

/** The renderer's origin: dist/renderer served by the app:// protocol (main.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'switchyard';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;
