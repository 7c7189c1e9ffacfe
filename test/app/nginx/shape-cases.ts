// Known nginx directives written with a block they do not take, or without the one they take: the
// text, and the parser's error as nginx -t words it, at the "{" or ";" (nginx names that line).
// test/app/nginx/parser.test.ts checks the parser's errors; test/parity/directive-shape.test.ts
// runs real nginx -t on the same texts.
export const SHAPE_ERRORS: Array<[string, string]> = [
  ['http {\n server {\n  listen 8080\n  location / { proxy_pass http://b; }\n }\n}\n', 'f.conf:4:14: directive "listen" is not terminated by ";"'],
  ['http { server { location / { proxy_pass http://b { } } } }', 'f.conf:1:50: directive "proxy_pass" is not terminated by ";"'],
  ['http { upstream u { server 127.0.0.1:1 { } } }', 'f.conf:1:40: directive "server" is not terminated by ";"'],
  ['http {\n server;\n}', 'f.conf:2:8: directive "server" has no opening "{"'],
  ['http { server { location /; } }', 'f.conf:1:27: directive "location" has no opening "{"'],
  ['http { upstream u; }', 'f.conf:1:18: directive "upstream" has no opening "{"'],
];

/** Directives misspelt (nginx -t: `unknown directive "…"`), and the one the importer reads that each
 * is a slip of, as a line of a server block. */
export const MISSPELT: Array<[string, string]> = [
  ['lisen', 'listen'],
  ['sever_name', 'server_name'],
  ['proxy_pas', 'proxy_pass'],
  ['proxy_set_heder', 'proxy_set_header'],
  ['proxy_read_timeot', 'proxy_read_timeout'],
  ['clent_max_body_size', 'client_max_body_size'],
  // (one slip from proxy_send_timeout, two from proxy_read_timeout: the nearest is named)
  ['proxy_end_timeout', 'proxy_send_timeout'],
];
