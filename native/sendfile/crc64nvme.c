/*
 * CRC-64/NVME for runtime/auth/checksums.ts: S3's CRC64NVME checksum, which the gateway computes
 * for every object sent without a checksum (S3's default). Reflected polynomial 0x9A6C9329AC4BC9B5,
 * initial value and final xor all ones; check value of "123456789": 0xAE8B14860A799888.
 *
 * Slicing-by-16: sixteen bytes per step through sixteen 256-entry tables (32 KiB) built once at
 * load, the data loaded as little-endian 64-bit words (bytewise on a big-endian CPU).
 * JavaScript has no 64-bit integers to do this with; its fallback in checksums.ts runs the same
 * scheme on 32-bit halves at about a third of the speed.
 *
 * crc64nvme(data: Uint8Array, crc: bigint) -> bigint: `crc` is a previous result (0n to start);
 * the result is the finished CRC of everything so far.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "crc64nvme.h"

#define POLY 0x9A6C9329AC4BC9B5ULL

static uint64_t table[16][256];

static void build_tables(void) {
  for (int b = 0; b < 256; b++) {
    uint64_t c = (uint64_t)b;
    for (int i = 0; i < 8; i++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
    table[0][b] = c;
  }
  for (int k = 1; k < 16; k++) {
    for (int b = 0; b < 256; b++) table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
  }
}

static int little_endian(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 1;
}

static uint64_t update(uint64_t crc, const uint8_t *p, size_t n) {
  uint64_t c = ~crc;
  if (little_endian()) {
    while (n >= 16) {
      uint64_t a, b;
      memcpy(&a, p, 8);
      memcpy(&b, p + 8, 8);
      a ^= c;
      c = table[15][a & 0xff] ^ table[14][(a >> 8) & 0xff] ^ table[13][(a >> 16) & 0xff] ^ table[12][(a >> 24) & 0xff] ^
          table[11][(a >> 32) & 0xff] ^ table[10][(a >> 40) & 0xff] ^ table[9][(a >> 48) & 0xff] ^ table[8][a >> 56] ^
          table[7][b & 0xff] ^ table[6][(b >> 8) & 0xff] ^ table[5][(b >> 16) & 0xff] ^ table[4][(b >> 24) & 0xff] ^
          table[3][(b >> 32) & 0xff] ^ table[2][(b >> 40) & 0xff] ^ table[1][(b >> 48) & 0xff] ^ table[0][b >> 56];
      p += 16;
      n -= 16;
    }
  }
  while (n-- > 0) c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

static napi_value crc64nvme(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "crc64nvme(data, crc)");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc64nvme: data must be a Uint8Array");
    return NULL;
  }
  uint64_t crc;
  bool lossless;
  if (napi_get_value_bigint_uint64(env, argv[1], &crc, &lossless) != napi_ok) {
    napi_throw_type_error(env, NULL, "crc64nvme: crc must be a bigint");
    return NULL;
  }
  napi_value result;
  napi_create_bigint_uint64(env, update(crc, (const uint8_t *)data, length), &result);
  return result;
}

void register_crc64nvme(napi_env env, napi_value exports) {
  build_tables();
  napi_value fn;
  napi_create_function(env, "crc64nvme", NAPI_AUTO_LENGTH, crc64nvme, NULL, &fn);
  napi_set_named_property(env, exports, "crc64nvme", fn);
}
