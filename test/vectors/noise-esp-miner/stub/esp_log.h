/* Host stand-in for ESP-IDF's logging: everything to stderr. */
#pragma once
#include <stdio.h>
#define ESP_LOG_ERROR 1
#define ESP_LOG_WARN 2
#define ESP_LOG_INFO 3
#define ESP_LOGE(tag, fmt, ...) fprintf(stderr, "E %s: " fmt "\n", tag, ##__VA_ARGS__)
#define ESP_LOGW(tag, fmt, ...) fprintf(stderr, "W %s: " fmt "\n", tag, ##__VA_ARGS__)
#define ESP_LOGI(tag, fmt, ...) fprintf(stderr, "I %s: " fmt "\n", tag, ##__VA_ARGS__)
#define ESP_LOGD(tag, fmt, ...) ((void)0)
#define ESP_LOG_BUFFER_HEX_LEVEL(tag, buf, len, level) \
  do { const unsigned char *p_ = (const unsigned char *)(buf); fprintf(stderr, "%s: ", tag); \
       for (int i_ = 0; i_ < (int)(len); i_++) fprintf(stderr, "%02x", p_[i_]); fprintf(stderr, "\n"); } while (0)
