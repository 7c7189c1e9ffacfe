// A byte relay written in C inside node's event loop, for bench/tcp-pipe.ts --c (ws-compare target
// `cpipe`): the floor of any relay that node hosts, with no JavaScript on a relayed chunk's path.
// A bench tool, not part of the engine. bench/tcp-pipe.ts compiles it with the system's C compiler
// against node's own headers (N-API and libuv) and hands it both sockets' descriptors once the
// upstream is connected; each side is watched with a uv_poll handle on a dup of its descriptor, read
// into one static buffer and written on at once, with what a write leaves behind kept until the
// destination is writable again (the source unread meanwhile: backpressure). An end of stream is
// passed on as a FIN; an error shuts both sockets down. read() and write(), as libuv calls them, so
// that ws-compare's counts of them compare (node ignores SIGPIPE: a write to a reset socket fails).
// Node's socket objects keep their own descriptors until the process ends.
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct pair pair_t;
typedef struct side side_t;
struct side {
  uv_poll_t poll;
  int fd;
  side_t *peer;
  pair_t *pair;
  char *queued;             /* bytes for this side's socket that a write left behind */
  size_t queued_len, queued_off;
  int reading;              /* this side's socket is read (nothing queued toward its peer, no EOF) */
  int closing;
};
struct pair { side_t sides[2]; int closed; };

static char buf[65536];
static void on_event(uv_poll_t *h, int status, int events);

static void watch(side_t *s) {
  if (s->closing) return;
  int events = (s->reading ? UV_READABLE : 0) | (s->queued_len ? UV_WRITABLE : 0);
  if (events) uv_poll_start(&s->poll, events, on_event);
  else uv_poll_stop(&s->poll);
}

static void on_closed(uv_handle_t *h) {
  side_t *s = h->data;
  close(s->fd);
  free(s->queued);
  if (++s->pair->closed == 2) free(s->pair);
}

static void close_pair(side_t *s) {
  side_t *sides[2] = { s, s->peer };
  for (int i = 0; i < 2; i++) {
    if (sides[i]->closing) continue;
    sides[i]->closing = 1;
    shutdown(sides[i]->fd, SHUT_RDWR);
    uv_close((uv_handle_t *)&sides[i]->poll, on_closed);
  }
}

/** Both directions ended and written: the relay is done. */
static void close_if_done(side_t *s) {
  if (!s->reading && !s->peer->reading && !s->queued_len && !s->peer->queued_len) close_pair(s);
}

static void write_queue(side_t *s) {
  while (s->queued_off < s->queued_len) {
    ssize_t n = write(s->fd, s->queued + s->queued_off, s->queued_len - s->queued_off);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return watch(s);
      return close_pair(s);
    }
    s->queued_off += (size_t)n;
  }
  free(s->queued);
  s->queued = NULL;
  s->queued_len = s->queued_off = 0;
  s->peer->reading = 1;
  watch(s);
  watch(s->peer);
}

static void read_side(side_t *s) {
  side_t *d = s->peer;
  ssize_t n = read(s->fd, buf, sizeof buf);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return close_pair(s);
  }
  s->reading = 0;
  if (n == 0) { /* nothing is queued toward d: s is read only then */
    shutdown(d->fd, SHUT_WR);
    watch(s);
    return close_if_done(s);
  }
  ssize_t w = write(d->fd, buf, (size_t)n);
  if (w < 0) {
    if (errno != EAGAIN && errno != EINTR) return close_pair(s);
    w = 0;
  }
  if (w == n) {
    s->reading = 1;
    return;
  }
  d->queued_len = (size_t)(n - w);
  d->queued = malloc(d->queued_len);
  memcpy(d->queued, buf + w, d->queued_len);
  watch(s);
  watch(d);
}

static void on_event(uv_poll_t *h, int status, int events) {
  side_t *s = h->data;
  if (s->closing) return;
  if (status < 0) return close_pair(s);
  if (events & UV_WRITABLE) write_queue(s);
  if ((events & UV_READABLE) && s->reading && !s->closing) read_side(s);
}

/** relay(fdA, fdB): relay both ways between two connected, non-blocking sockets. */
static napi_value relay(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fds[2];
  uv_loop_t *loop;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_value_int32(env, argv[0], &fds[0]) != napi_ok || napi_get_value_int32(env, argv[1], &fds[1]) != napi_ok) {
    napi_throw_type_error(env, NULL, "relay(fdA, fdB) takes two descriptors");
    return NULL;
  }
  napi_get_uv_event_loop(env, &loop);
  pair_t *pair = calloc(1, sizeof *pair);
  for (int i = 0; i < 2; i++) {
    side_t *s = &pair->sides[i];
    s->fd = dup(fds[i]);
    s->peer = &pair->sides[1 - i];
    s->pair = pair;
    s->reading = 1;
    s->poll.data = s;
    if (s->fd < 0 || uv_poll_init_socket(loop, &s->poll, s->fd) != 0) {
      napi_throw_error(env, NULL, "relay: a descriptor could not be watched");
      return NULL; /* a bench process: it exits on the error */
    }
  }
  watch(&pair->sides[0]);
  watch(&pair->sides[1]);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "relay", NAPI_AUTO_LENGTH, relay, NULL, &fn);
  napi_set_named_property(env, exports, "relay", fn);
  return exports;
}
