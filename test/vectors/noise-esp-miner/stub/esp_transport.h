/* Host stand-in for ESP-IDF's transport: the harness reads stdin and writes stdout. */
#pragma once
typedef struct esp_transport_item_t *esp_transport_handle_t;
int esp_transport_read(esp_transport_handle_t t, char *buffer, int len, int timeout_ms);
int esp_transport_write(esp_transport_handle_t t, const char *buffer, int len, int timeout_ms);
