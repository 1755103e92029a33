// hashagent_io: the few system calls Node cannot make and the board transports need.
//  - UIO: open a device, mmap one of its windows, 32-bit volatile loads and stores (FPGA
//    registers and FIFOs must be touched exactly once, in order, 32 bits wide), interrupt
//    unmask (write 1) and waits (poll + read of the 4-byte event count) off the main thread.
//  - GPIO character device (uAPI v2, linux/gpio.h): chip and line info (line names), a line
//    request for inputs or outputs, get and set values.
// Errors come back as JS Errors whose `code` is the errno name and `syscall` the call.
// N-API only (NAPI_VERSION 8): one binary per architecture loads on every Node >= 20.
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_IRQ_FDS 64

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  napi_value msg, code, e, sc;
  char text[160];
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &e);
  const char *name = err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : err == EINVAL ? "EINVAL" : err == ENOTTY ? "ENOTTY"
    : err == EBUSY ? "EBUSY" : err == EBADF ? "EBADF" : err == ENODEV ? "ENODEV" : err == EPERM ? "EPERM" : "EIO";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, e, "code", code);
  napi_set_named_property(env, e, "syscall", sc);
  napi_throw(env, e);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *what) {
  napi_throw_type_error(env, "ERR_INVALID_ARG", what);
  return NULL;
}

#define ARGS(n)                 \
  size_t argc = n;              \
  napi_value argv[n];           \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL); \
  if (argc < n) return throw_type(env, "missing argument");

// Only integers 0..2^32-1: N-API's own conversion would wrap -1 or 2^40 silently.
static int get_u32(napi_env env, napi_value v, uint32_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > 4294967295.0 || d != (double)(uint32_t)d) return 0;
  *out = (uint32_t)d;
  return 1;
}
static napi_value u32(napi_env env, uint32_t v) { napi_value r; napi_create_uint32(env, v, &r); return r; }
static napi_value i32(napi_env env, int32_t v) { napi_value r; napi_create_int32(env, v, &r); return r; }
static napi_value boolean(napi_env env, bool b) { napi_value r; napi_get_boolean(env, b, &r); return r; }
static napi_value str(napi_env env, const char *s) { napi_value r; napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r); return r; }

// ---- files and mappings ----------------------------------------------------------------------

// open(path, writable) -> fd. O_SYNC keeps /dev/mem-style mappings uncached; UIO ignores it.
static napi_value Open(napi_env env, napi_callback_info info) {
  ARGS(2);
  char path[4096];
  size_t len;
  bool writable;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0) return throw_type(env, "path must be a string");
  napi_get_value_bool(env, argv[1], &writable);
  int fd = open(path, (writable ? O_RDWR | O_SYNC : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", errno);
  return i32(env, fd);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  napi_get_value_int32(env, argv[0], &fd);
  if (close(fd) != 0) return throw_errno(env, "close", errno);
  return NULL;
}

typedef struct { volatile uint32_t *base; size_t length; } mapping_t;

static void mapping_finalize(napi_env env, void *data, void *hint) {
  mapping_t *m = data;
  if (m->base) munmap((void *)m->base, m->length);
  free(m);
}

// mmap(fd, length, offset) -> mapping. UIO selects map N by offset N * page size.
static napi_value Mmap(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t fd;
  uint32_t length, offset;
  napi_get_value_int32(env, argv[0], &fd);
  if (!get_u32(env, argv[1], &length) || !get_u32(env, argv[2], &offset) || length == 0 || length % 4) return throw_type(env, "length must be a positive multiple of 4");
  void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
  if (p == MAP_FAILED) return throw_errno(env, "mmap", errno);
  mapping_t *m = malloc(sizeof *m);
  m->base = p;
  m->length = length;
  napi_value ext;
  napi_create_external(env, m, mapping_finalize, NULL, &ext);
  return ext;
}

static mapping_t *get_mapping(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p || !((mapping_t *)p)->base) return NULL;
  return p;
}

static napi_value Munmap(napi_env env, napi_callback_info info) {
  ARGS(1);
  mapping_t *m = get_mapping(env, argv[0]);
  if (!m) return throw_type(env, "not an open mapping");
  munmap((void *)m->base, m->length);
  m->base = NULL;
  return NULL;
}

// Bounds and alignment are checked here: a stray offset must not fault the process.
static mapping_t *checked(napi_env env, napi_value mv, napi_value ov, uint32_t *off) {
  mapping_t *m = get_mapping(env, mv);
  if (!m) { throw_type(env, "not an open mapping"); return NULL; }
  if (!get_u32(env, ov, off) || *off % 4 || *off + 4 > m->length) { napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "offset outside the mapping or not 32-bit aligned"); return NULL; }
  return m;
}

static napi_value Read32(napi_env env, napi_callback_info info) {
  ARGS(2);
  uint32_t off;
  mapping_t *m = checked(env, argv[0], argv[1], &off);
  if (!m) return NULL;
  return u32(env, m->base[off / 4]);
}

static napi_value Write32(napi_env env, napi_callback_info info) {
  ARGS(3);
  uint32_t off, value;
  mapping_t *m = checked(env, argv[0], argv[1], &off);
  if (!m) return NULL;
  if (!get_u32(env, argv[2], &value)) return throw_type(env, "value must be a 32-bit unsigned integer");
  m->base[off / 4] = value;
  return NULL;
}

// ---- interrupts ------------------------------------------------------------------------------

// irqUnmask(fd): uio_pdrv_genirq masks the line in its handler; writing 1 re-enables it.
static napi_value IrqUnmask(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  napi_get_value_int32(env, argv[0], &fd);
  int32_t one = 1;
  if (write(fd, &one, sizeof one) != sizeof one) return throw_errno(env, "write", errno);
  return NULL;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fds[MAX_IRQ_FDS];
  int count, timeout_ms, ready[MAX_IRQ_FDS], nready, err;
} irq_wait_t;

// On a libuv pool thread: wait until any fd is readable, then consume each one's event count.
static void irq_execute(napi_env env, void *data) {
  irq_wait_t *w = data;
  struct pollfd p[MAX_IRQ_FDS];
  for (int i = 0; i < w->count; i++) p[i] = (struct pollfd){ .fd = w->fds[i], .events = POLLIN };
  int n = poll(p, w->count, w->timeout_ms);
  if (n < 0) { w->err = errno == EINTR ? 0 : errno; return; }
  for (int i = 0; i < w->count; i++) {
    if (p[i].revents & (POLLERR | POLLNVAL)) { w->err = EBADF; return; }
    if (!(p[i].revents & POLLIN)) continue;
    uint32_t events;
    if (read(p[i].fd, &events, sizeof events) == sizeof events) w->ready[w->nready++] = p[i].fd;
  }
}

static void irq_complete(napi_env env, napi_status status, void *data) {
  irq_wait_t *w = data;
  if (w->err) {
    napi_value msg, e;
    napi_create_string_utf8(env, strerror(w->err), NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &e);
    napi_reject_deferred(env, w->deferred, e);
  } else {
    napi_value arr;
    napi_create_array_with_length(env, w->nready, &arr);
    for (int i = 0; i < w->nready; i++) napi_set_element(env, arr, i, i32(env, w->ready[i]));
    napi_resolve_deferred(env, w->deferred, arr);
  }
  napi_delete_async_work(env, w->work);
  free(w);
}

// waitIrq(fds, timeoutMs) -> Promise<fds that fired>. One pool thread waits for many devices.
static napi_value WaitIrq(napi_env env, napi_callback_info info) {
  ARGS(2);
  uint32_t n, timeout;
  bool is_array;
  napi_is_array(env, argv[0], &is_array);
  if (!is_array || napi_get_array_length(env, argv[0], &n) != napi_ok || n == 0 || n > MAX_IRQ_FDS) return throw_type(env, "fds must be an array of 1..64 descriptors");
  if (!get_u32(env, argv[1], &timeout)) return throw_type(env, "timeout must be milliseconds");
  irq_wait_t *w = calloc(1, sizeof *w);
  w->count = n;
  w->timeout_ms = timeout;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_get_element(env, argv[0], i, &v);
    napi_get_value_int32(env, v, &w->fds[i]);
  }
  napi_value promise, name;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "hashagent_io.waitIrq", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, irq_execute, irq_complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

// ---- GPIO character device (uAPI v2) ---------------------------------------------------------

static napi_value GpioChipInfo(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  napi_get_value_int32(env, argv[0], &fd);
  struct gpiochip_info ci;
  memset(&ci, 0, sizeof ci);
  if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &ci) < 0) return throw_errno(env, "ioctl(GPIO_GET_CHIPINFO)", errno);
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "name", str(env, ci.name));
  napi_set_named_property(env, o, "label", str(env, ci.label));
  napi_set_named_property(env, o, "lines", u32(env, ci.lines));
  return o;
}

static napi_value GpioLineInfo(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  uint32_t offset;
  napi_get_value_int32(env, argv[0], &fd);
  if (!get_u32(env, argv[1], &offset)) return throw_type(env, "offset must be a line number");
  struct gpio_v2_line_info li;
  memset(&li, 0, sizeof li);
  li.offset = offset;
  if (ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0) return throw_errno(env, "ioctl(GPIO_V2_GET_LINEINFO)", errno);
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "name", str(env, li.name));
  napi_set_named_property(env, o, "consumer", str(env, li.consumer));
  napi_set_named_property(env, o, "used", boolean(env, (li.flags & GPIO_V2_LINE_FLAG_USED) != 0));
  napi_set_named_property(env, o, "output", boolean(env, (li.flags & GPIO_V2_LINE_FLAG_OUTPUT) != 0));
  napi_set_named_property(env, o, "activeLow", boolean(env, (li.flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW) != 0));
  return o;
}

// gpioRequest(chipFd, offsets[], consumer, output, activeLow, initialBits) -> line fd.
static napi_value GpioRequest(napi_env env, napi_callback_info info) {
  ARGS(6);
  int32_t fd;
  uint32_t n, initial;
  bool output, active_low, is_array;
  napi_get_value_int32(env, argv[0], &fd);
  napi_is_array(env, argv[1], &is_array);
  if (!is_array || napi_get_array_length(env, argv[1], &n) != napi_ok || n == 0 || n > GPIO_V2_LINES_MAX) return throw_type(env, "offsets must be an array of 1..64 line numbers");
  struct gpio_v2_line_request req;
  memset(&req, 0, sizeof req);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_get_element(env, argv[1], i, &v);
    if (!get_u32(env, v, &req.offsets[i])) return throw_type(env, "offsets must be line numbers");
  }
  size_t len;
  napi_get_value_string_utf8(env, argv[2], req.consumer, sizeof req.consumer, &len);
  napi_get_value_bool(env, argv[3], &output);
  napi_get_value_bool(env, argv[4], &active_low);
  if (!get_u32(env, argv[5], &initial)) return throw_type(env, "initial values must be a 32-bit unsigned integer");
  req.num_lines = n;
  req.config.flags = (output ? GPIO_V2_LINE_FLAG_OUTPUT : GPIO_V2_LINE_FLAG_INPUT) | (active_low ? GPIO_V2_LINE_FLAG_ACTIVE_LOW : 0);
  if (output) {
    // Outputs start at their initial values in the same ioctl: no glitch between request and set.
    req.config.num_attrs = 1;
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    req.config.attrs[0].attr.values = initial;
    req.config.attrs[0].mask = n >= 64 ? ~0ULL : (1ULL << n) - 1;
  }
  if (ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) return throw_errno(env, "ioctl(GPIO_V2_GET_LINE)", errno);
  return i32(env, req.fd);
}

static napi_value GpioGet(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  uint32_t mask;
  napi_get_value_int32(env, argv[0], &fd);
  if (!get_u32(env, argv[1], &mask)) return throw_type(env, "mask must be a 32-bit unsigned integer");
  struct gpio_v2_line_values v = { .mask = mask };
  if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) return throw_errno(env, "ioctl(GPIO_V2_LINE_GET_VALUES)", errno);
  return u32(env, (uint32_t)v.bits);
}

static napi_value GpioSet(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t fd;
  uint32_t mask, bits;
  napi_get_value_int32(env, argv[0], &fd);
  if (!get_u32(env, argv[1], &mask) || !get_u32(env, argv[2], &bits)) return throw_type(env, "mask and bits must be 32-bit unsigned integers");
  struct gpio_v2_line_values v = { .mask = mask, .bits = bits };
  if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) return throw_errno(env, "ioctl(GPIO_V2_LINE_SET_VALUES)", errno);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  const struct { const char *name; napi_callback fn; } fns[] = {
    { "open", Open }, { "close", Close }, { "mmap", Mmap }, { "munmap", Munmap }, { "read32", Read32 }, { "write32", Write32 },
    { "irqUnmask", IrqUnmask }, { "waitIrq", WaitIrq }, { "gpioChipInfo", GpioChipInfo }, { "gpioLineInfo", GpioLineInfo },
    { "gpioRequest", GpioRequest }, { "gpioGet", GpioGet }, { "gpioSet", GpioSet },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  napi_set_named_property(env, exports, "abi", u32(env, 1));
  return exports;
}

NAPI_MODULE(hashagent_io, Init)
