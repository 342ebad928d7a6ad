/// <reference lib="webworker" />
/**
 * The dedicated worker's entry point: one Session per worker. Loading, parsing, remuxing and (where
 * the browser allows MSE in workers) appending all happen here, never on the page's thread.
 */

import type { FromWorker, ToWorker } from './protocol.js';
import { Session } from './session.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const session = new Session((message: FromWorker, transfer?: Transferable[]) => {
  scope.postMessage(message, transfer ?? []);
});

scope.addEventListener('message', (event: MessageEvent<ToWorker>) => session.handle(event.data));
// A rejection nobody handled never reaches the page's Worker object (only uncaught exceptions do, as its `error`
// event): report it as the fatal error it is.
scope.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  session.crashed(event.reason);
});
