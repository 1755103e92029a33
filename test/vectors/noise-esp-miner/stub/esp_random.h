/* Host stand-in: bytes come from the harness's fixed stream (see harness.c). */
#pragma once
#include <stddef.h>
void esp_fill_random(void *buf, size_t len);
