/*
 * sendfile(2) from a file to a response's TCP socket, for runtime/sendfile.ts: the bytes of a GET
 * go from the page cache to the socket without passing through the process (as the Go servers
 * serve them), where a read into a Buffer and a write from it copy every byte twice.
 *
 * One call sends bytes [offset, offset + length) of a file. Both descriptors are duplicated when
 * the call starts and closed when it ends, so the caller may close its own at any time (a
 * destroyed socket, a descriptor given back) without a number being reused under a send; a
 * destroyed connection whose duplicate is still open stays open only until the send fails or is
 * cancelled.
 *
 * The socket is non-blocking (libuv's): sendfile(2) runs on libuv's thread pool (it may read the
 * file from disk) until the bytes are sent, the socket is full (EAGAIN) or 16 MiB went in this
 * round; a full socket is waited for on the event loop (a uv_poll on the duplicate, registered in
 * epoll as its own descriptor; uv_close removes it before the duplicate closes), never on a
 * thread-pool thread, so a slow reader holds no thread. A socket that stays full for `idleMs`
 * fails the send with ETIMEDOUT; cancel() ends it at the next step with ECANCELED.
 *
 * The callback runs once, always from the event loop after the call returned:
 * callback(errno, sent), errno 0 on success, -1 when the file ended before `length`.
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "crc64nvme.h"

#define ROUND_BYTES (16 * 1024 * 1024)
#define FILE_ENDED (-1)

typedef enum { WORKING, POLLING, FINISHING, DONE } state_t;

typedef struct {
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  napi_async_work work;
  int sock;
  int file;
  int64_t offset;
  int64_t remaining;
  int64_t sent;
  int err;
  int again;
  /* poll errors since the last byte sent (on_writable) */
  int poll_errors;
  int cancelled;
  /* the JS handle was collected: the op frees itself when done */
  int orphaned;
  state_t state;
  uint32_t idle_ms;
  uv_poll_t poll;
  int poll_open;
  uv_timer_t timer;
  int handles_open;
} op_t;

static void queue_round(op_t *op);

static void free_op(op_t *op) { free(op); }

static void call_back(op_t *op) {
  napi_env env = op->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[2];
  if (napi_get_reference_value(env, op->callback, &cb) == napi_ok && cb != NULL) {
    napi_get_global(env, &recv);
    napi_create_int32(env, op->err, &argv[0]);
    napi_create_double(env, (double)op->sent, &argv[1]);
    napi_value result;
    napi_make_callback(env, op->context, recv, cb, 2, argv, &result);
  }
  napi_close_handle_scope(env, scope);
}

static void on_handle_closed(uv_handle_t *handle) {
  op_t *op = (op_t *)handle->data;
  if (--op->handles_open > 0) return;
  close(op->sock);
  close(op->file);
  call_back(op);
  napi_delete_reference(op->env, op->callback);
  op->callback = NULL;
  napi_async_destroy(op->env, op->context);
  /* DONE only now: a JS handle collected during the callback marks the op orphaned, freed here */
  op->state = DONE;
  if (op->orphaned) free_op(op);
}

/* Ends the op: its handles close first (the poll's epoll entry goes before the duplicate closes). */
static void finish(op_t *op, int err) {
  if (op->state == FINISHING || op->state == DONE) return;
  op->state = FINISHING;
  if (op->err == 0) op->err = err;
  /* what cork() held goes out now (the headers, when nothing followed them) */
  int off = 0;
  setsockopt(op->sock, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
  if (op->poll_open) {
    uv_poll_stop(&op->poll);
    uv_close((uv_handle_t *)&op->poll, on_handle_closed);
  }
  uv_timer_stop(&op->timer);
  uv_close((uv_handle_t *)&op->timer, on_handle_closed);
}

static void execute(napi_env env, void *data) {
  (void)env;
  op_t *op = (op_t *)data;
  int64_t budget = ROUND_BYTES;
  op->again = 0;
  while (op->remaining > 0 && budget > 0) {
    int64_t want = op->remaining < budget ? op->remaining : budget;
    off_t off = (off_t)op->offset;
    ssize_t n = sendfile(op->sock, op->file, &off, (size_t)want);
    if (n > 0) {
      op->offset += n;
      op->remaining -= n;
      op->sent += n;
      op->poll_errors = 0;
      budget -= n;
    } else if (n == 0) {
      op->err = FILE_ENDED;
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      op->again = 1;
      return;
    } else {
      op->err = errno;
      return;
    }
  }
}

static void on_timeout(uv_timer_t *timer) {
  op_t *op = (op_t *)timer->data;
  if (op->state == POLLING) finish(op, ETIMEDOUT);
}

static void on_writable(uv_poll_t *poll, int status, int events) {
  (void)events;
  op_t *op = (op_t *)poll->data;
  if (op->state != POLLING) return;
  uv_poll_stop(&op->poll);
  uv_timer_stop(&op->timer);
  /*
   * libuv reports a socket error (EPOLLERR: the peer reset it) as UV_EBADF: the next sendfile(2)
   * tells which error it is. One that repeats without a byte sent in between ends the send.
   */
  if (status < 0 && op->poll_errors++ > 0) {
    finish(op, -status);
    return;
  }
  queue_round(op);
}

static void complete(napi_env env, napi_status status, void *data) {
  op_t *op = (op_t *)data;
  napi_delete_async_work(env, op->work);
  op->work = NULL;
  if (status != napi_ok) {
    finish(op, ECANCELED);
  } else if (op->err != 0) {
    finish(op, op->err);
  } else if (op->cancelled) {
    finish(op, ECANCELED);
  } else if (op->remaining == 0) {
    finish(op, 0);
  } else if (op->again) {
    uv_loop_t *loop;
    napi_get_uv_event_loop(env, &loop);
    if (!op->poll_open) {
      if (uv_poll_init(loop, &op->poll, op->sock) != 0) {
        finish(op, EIO);
        return;
      }
      op->poll.data = op;
      op->poll_open = 1;
      op->handles_open++;
    }
    op->state = POLLING;
    /*
     * Writable only: a client that half-closed (shutdown of its side, then reading) would keep an
     * asked-for UV_DISCONNECT firing while the socket is still full. A reset or a hang-up is
     * reported whatever is asked (EPOLLERR, EPOLLHUP), and the next sendfile(2) fails on it.
     */
    int rc = uv_poll_start(&op->poll, UV_WRITABLE, on_writable);
    if (rc != 0) {
      finish(op, -rc);
      return;
    }
    if (op->idle_ms > 0) uv_timer_start(&op->timer, on_timeout, op->idle_ms, 0);
  } else {
    queue_round(op);
  }
}

/* Also called from uv callbacks, where no handle scope is open: it opens its own. */
static void queue_round(op_t *op) {
  napi_handle_scope scope;
  napi_value name;
  int queued = 0;
  op->state = WORKING;
  if (napi_open_handle_scope(op->env, &scope) == napi_ok) {
    queued = napi_create_string_utf8(op->env, "s3g.sendfile", NAPI_AUTO_LENGTH, &name) == napi_ok &&
             napi_create_async_work(op->env, NULL, name, execute, complete, op, &op->work) == napi_ok &&
             napi_queue_async_work(op->env, op->work) == napi_ok;
    napi_close_handle_scope(op->env, scope);
  }
  if (!queued) finish(op, EIO);
}

static void on_handle_collected(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  op_t *op = (op_t *)data;
  if (op->state == DONE) free_op(op);
  else op->orphaned = 1;
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_S3G_SENDFILE", message);
  return NULL;
}

/* start(socketFd, fileFd, offset, length, idleMs, callback) -> handle */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) return throw_error(env, "start takes 6 arguments");
  int32_t sock_fd, file_fd;
  int64_t offset, length;
  uint32_t idle_ms;
  napi_valuetype cb_type;
  if (napi_get_value_int32(env, argv[0], &sock_fd) != napi_ok || napi_get_value_int32(env, argv[1], &file_fd) != napi_ok ||
      napi_get_value_int64(env, argv[2], &offset) != napi_ok || napi_get_value_int64(env, argv[3], &length) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &idle_ms) != napi_ok || napi_typeof(env, argv[5], &cb_type) != napi_ok ||
      cb_type != napi_function || sock_fd < 0 || file_fd < 0 || offset < 0 || length < 0) {
    return throw_error(env, "start(socketFd, fileFd, offset, length, idleMs, callback): bad arguments");
  }
  op_t *op = (op_t *)calloc(1, sizeof(op_t));
  if (op == NULL) return throw_error(env, "out of memory");
  op->env = env;
  op->offset = offset;
  op->remaining = length;
  op->idle_ms = idle_ms;
  op->sock = fcntl(sock_fd, F_DUPFD_CLOEXEC, 0);
  op->file = op->sock < 0 ? -1 : fcntl(file_fd, F_DUPFD_CLOEXEC, 0);
  if (op->sock < 0 || op->file < 0) {
    /* EMFILE, mostly: the process is out of descriptors */
    char message[128];
    snprintf(message, sizeof message, "dup(2) of a descriptor failed: %s", strerror(errno));
    if (op->sock >= 0) close(op->sock);
    free(op);
    return throw_error(env, message);
  }
  uv_loop_t *loop;
  napi_value name, handle;
  napi_get_uv_event_loop(env, &loop);
  uv_timer_init(loop, &op->timer);
  op->timer.data = op;
  op->handles_open = 1;
  napi_create_reference(env, argv[5], 1, &op->callback);
  napi_create_string_utf8(env, "s3g.sendfile", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &op->context);
  if (napi_create_external(env, op, on_handle_collected, NULL, &handle) != napi_ok) {
    /* never started: end it through the loop like any other, and free it when done */
    op->orphaned = 1;
    finish(op, EIO);
    return NULL;
  }
  queue_round(op);
  return handle;
}

/* cancel(handle): the send ends with ECANCELED at its next step (the callback still runs once). */
static napi_value cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    return throw_error(env, "cancel(handle): bad arguments");
  }
  op_t *op = (op_t *)data;
  op->cancelled = 1;
  if (op->state == POLLING) {
    uv_poll_stop(&op->poll);
    finish(op, ECANCELED);
  }
  return NULL;
}

/*
 * cork(socketFd): the socket holds what is written to it until a send ends (TCP_CORK), so that the
 * headers written before start() leave in the same segments as the file's first bytes.
 */
static napi_value cork(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    return throw_error(env, "cork(socketFd): bad arguments");
  }
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "start", NAPI_AUTO_LENGTH, start, NULL, &fn);
  napi_set_named_property(env, exports, "start", fn);
  napi_create_function(env, "cancel", NAPI_AUTO_LENGTH, cancel, NULL, &fn);
  napi_set_named_property(env, exports, "cancel", fn);
  napi_create_function(env, "cork", NAPI_AUTO_LENGTH, cork, NULL, &fn);
  napi_set_named_property(env, exports, "cork", fn);
  register_crc64nvme(env, exports);
  return exports;
}
