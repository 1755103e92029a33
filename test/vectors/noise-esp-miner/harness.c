/*
 * Runs ESP-Miner's SV2 Noise initiator (components/stratum_v2/sv2_noise.c, compiled unchanged)
 * on a host: the transport is stdin/stdout, the random bytes are fixed.
 *   harness RANDOM_HEX AUTHORITY_X_HEX FRAME_HEX
 * RANDOM_HEX is the byte stream esp_fill_random hands out in order (context seed 32, ephemeral
 * secret 32, EllSwift aux 32). After the handshake it sends FRAME_HEX through sv2_noise_send,
 * then receives one frame with sv2_noise_recv and writes "RECV <header hex> <payload hex>" to
 * stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sv2_noise.h"
#include "sv2_protocol.h"

static unsigned char rnd[256];
static size_t rnd_len, rnd_pos;

static size_t from_hex(const char *h, unsigned char *out, size_t max) {
  size_t n = strlen(h) / 2;
  if (n > max) { fprintf(stderr, "hex too long\n"); exit(2); }
  for (size_t i = 0; i < n; i++) sscanf(h + 2 * i, "%2hhx", &out[i]);
  return n;
}

void esp_fill_random(void *buf, size_t len) {
  if (rnd_pos + len > rnd_len) { fprintf(stderr, "random stream exhausted\n"); exit(3); }
  memcpy(buf, rnd + rnd_pos, len);
  rnd_pos += len;
}

int64_t esp_timer_get_time(void) { return 0; }

int esp_transport_read(esp_transport_handle_t t, char *buffer, int len, int timeout_ms) {
  (void)t; (void)timeout_ms;
  return (int)read(0, buffer, (size_t)len);
}

int esp_transport_write(esp_transport_handle_t t, const char *buffer, int len, int timeout_ms) {
  (void)t; (void)timeout_ms;
  int done = 0;
  while (done < len) {
    ssize_t w = write(1, buffer + done, (size_t)(len - done));
    if (w <= 0) return -1;
    done += (int)w;
  }
  return done;
}

/* The one helper of ESP-Miner's sv2_protocol.c that sv2_noise.c uses (that file needs the firmware's utils.h). */
int sv2_parse_frame_header(const uint8_t *data, sv2_frame_header_t *header) {
  header->extension_type = (uint16_t)(data[0] | (data[1] << 8));
  header->msg_type = data[2];
  header->msg_length = (uint32_t)data[3] | ((uint32_t)data[4] << 8) | ((uint32_t)data[5] << 16);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: harness RANDOM_HEX AUTHORITY_X_HEX FRAME_HEX\n"); return 2; }
  rnd_len = from_hex(argv[1], rnd, sizeof rnd);
  unsigned char authority[32];
  if (from_hex(argv[2], authority, 32) != 32) { fprintf(stderr, "authority key must be 32 bytes\n"); return 2; }
  static unsigned char frame[4096];
  size_t frame_len = from_hex(argv[3], frame, sizeof frame);
  sv2_noise_ctx_t *ctx = sv2_noise_create();
  if (!ctx || sv2_noise_handshake(ctx, NULL, authority) != 0) { fprintf(stderr, "HANDSHAKE FAILED\n"); return 1; }
  fprintf(stderr, "HANDSHAKE OK\n");
  if (sv2_noise_send(ctx, NULL, frame, (int)frame_len) != 0) { fprintf(stderr, "SEND FAILED\n"); return 1; }
  unsigned char hdr[6];
  static unsigned char payload[4096];
  int plen = 0;
  if (sv2_noise_recv(ctx, NULL, hdr, payload, sizeof payload, &plen) != 0) { fprintf(stderr, "RECV FAILED\n"); return 1; }
  fprintf(stderr, "RECV ");
  for (int i = 0; i < 6; i++) fprintf(stderr, "%02x", hdr[i]);
  fprintf(stderr, " ");
  for (int i = 0; i < plen; i++) fprintf(stderr, "%02x", payload[i]);
  fprintf(stderr, "\n");
  sv2_noise_destroy(ctx);
  return 0;
}
