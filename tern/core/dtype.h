// Element types. Compute kernels cover f32 (fast paths) and f64 (reference and
// gradient checks); integer and bool types serve indices, labels and masks;
// f16/bf16 are storage formats with conversion (cast) only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tern/core/half.h"

namespace tern {

enum class DType : uint8_t { f32, f64, i32, i64, u8, boolean, f16, bf16 };

inline constexpr size_t itemsize(DType t) {
  switch (t) {
    case DType::f32: case DType::i32: return 4;
    case DType::f64: case DType::i64: return 8;
    case DType::u8: case DType::boolean: return 1;
    case DType::f16: case DType::bf16: return 2;
  }
  return 0;
}

inline constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::u8: return "u8";
    case DType::boolean: return "bool";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
  }
  return "?";
}

inline constexpr bool is_floating(DType t) {
  return t == DType::f32 || t == DType::f64 || t == DType::f16 || t == DType::bf16;
}

// Maps a C++ type to its DType.
template <typename T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::boolean; };

// bf16 conversions (round to nearest even); f16 ones are in half.h.
uint16_t float_to_bfloat(float f);
float bfloat_to_float(uint16_t b);

enum class DeviceType : uint8_t { cpu, cuda };
inline constexpr int kNumDeviceTypes = 2;

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;
  bool operator==(const Device&) const = default;
};
inline constexpr const char* device_name(DeviceType t) { return t == DeviceType::cpu ? "cpu" : "cuda"; }

}  // namespace tern
