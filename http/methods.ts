// The methods our routers say they know. A standard method a path does not take (TRACE on
// /v1/members) is answered 405 with Allow, as RFC 9110 §15.5.6 asks and API checkers expect; only
// a method HTTP does not define (WebDAV's PROPFIND) stays 501. @koa/router answers 501 for any
// method outside this list, so TRACE and QUERY (the safe method with a body, which schemathesis
// tries) are listed although no route takes them. Node hands CONNECT to its own 'connect' event,
// never to Koa.
export const ROUTER_METHODS = ['HEAD', 'OPTIONS', 'GET', 'PUT', 'PATCH', 'POST', 'DELETE', 'TRACE', 'QUERY'];
