#ifndef CRC32_ACCELERATION_H
#define CRC32_ACCELERATION_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this processor can fold CRC-32 with carry-less multiplication (x86-64 PCLMULQDQ and SSE4.1), else 0.
int gossip_crc32_folding_available(void);

/// Folds `length` bytes (at least 64, a multiple of 16) into the running CRC-32/IEEE state `crc` (the register
/// before the final inversion) and returns the new state. Only call when folding is available.
uint32_t gossip_crc32_fold(uint32_t crc, const uint8_t *bytes, size_t length);

#endif
