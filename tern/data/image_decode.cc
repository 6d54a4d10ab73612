#include "tern/data/image_decode.h"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <jpeglib.h>
#include <png.h>

#include "tern/base/error.h"

namespace tern::data {

namespace {

constexpr int64_t kMaxPixels = int64_t{1} << 26;

// libpng's low-level API, not its simplified one: the simplified API treats
// 16-bit samples as linear light and gamma-encodes them when reducing to 8
// bits (a 16-bit gray of 0.5 would become 186, not 128), and converts
// colour to gray and composites alpha in linear light too. Here samples
// are only expanded (palette, gray below 8 bits, tRNS) and scaled to 8 bits,
// as PIL and torchvision read PNGs; gray and alpha are done below.
// Errors longjmp back to decode_png_raw, whose frame holds no C++ objects;
// what it allocates lives in PngState, freed by the caller.
struct PngState {
  const unsigned char* data;
  size_t size, pos;
  char message[200];
  unsigned char* pixels;  // height x rowbytes (malloc'ed)
  png_bytep* rows;        // malloc'ed
  int64_t width, height, channels;
  bool too_large;
};

void png_fail(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(st->message, sizeof st->message, "%s", msg);
  png_longjmp(png, 1);
}

// Warnings (an ancillary chunk's bad CRC, a known-incorrect sRGB profile)
// leave the pixels intact: ignored, as image libraries do.
void png_warn(png_structp, png_const_charp) {}

void png_read_memory(png_structp png, png_bytep out, size_t n) {
  auto* st = static_cast<PngState*>(png_get_io_ptr(png));
  if (n > st->size - st->pos) png_error(png, "truncated (the file ends inside a chunk)");
  std::memcpy(out, st->data + st->pos, n);
  st->pos += n;
}

bool decode_png_raw(PngState* st) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, png_fail, png_warn);
  if (!png) {
    std::snprintf(st->message, sizeof st->message, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    return false;
  }
  png_set_read_fn(png, st, png_read_memory);
  png_set_user_limits(png, 1u << 24, 1u << 24);
  png_read_info(png, info);
  st->width = png_get_image_width(png, info);
  st->height = png_get_image_height(png, info);
  if (st->width * st->height > kMaxPixels) {
    st->too_large = true;
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_expand(png);    // palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha
  png_set_scale_16(png);  // 16 -> 8 bits, rounded: v * 255 / 65535
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  st->channels = png_get_channels(png, info);
  const size_t rowbytes = png_get_rowbytes(png, info);
  st->pixels = static_cast<unsigned char*>(std::malloc(rowbytes * st->height));
  st->rows = static_cast<png_bytep*>(std::malloc(sizeof(png_bytep) * st->height));
  if (!st->pixels || !st->rows) png_error(png, "out of memory");
  for (int64_t y = 0; y < st->height; ++y) st->rows[y] = st->pixels + y * rowbytes;
  png_read_image(png, st->rows);
  png_read_end(png, nullptr);  // the chunks after the image, to IEND: a truncated file fails here
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

// ITU-R BT.601 luma on the encoded values, as libjpeg's YCbCr -> gray and
// PIL's convert("L") compute it, so a PNG and a JPEG of one picture (and
// torchvision's loaders) agree. Rounded to nearest.
inline uint8_t luma(int r, int g, int b) { return static_cast<uint8_t>((r * 299 + g * 587 + b * 114 + 500) / 1000); }

Image decode_png(std::string_view bytes, const std::string& source, int channels) {
  PngState st{};
  st.data = reinterpret_cast<const unsigned char*>(bytes.data());
  st.size = bytes.size();
  const bool ok = decode_png_raw(&st);
  struct Free {
    PngState& s;
    ~Free() { std::free(s.pixels), std::free(s.rows); }
  } free_later{st};
  if (st.too_large)
    throw IOError(str_cat(source, ": PNG of ", st.width, " x ", st.height, " pixels is larger than the ", kMaxPixels,
                          " pixels accepted"));
  if (!ok) throw IOError(str_cat(source, ": bad PNG: ", st.message));
  // 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA, all 8-bit now.
  const int in_c = static_cast<int>(st.channels);
  const bool colour = in_c >= 3, alpha = in_c == 2 || in_c == 4;
  Image out;
  out.width = st.width;
  out.height = st.height;
  out.channels = channels;
  const int64_t n = out.width * out.height;
  out.pixels.resize(static_cast<size_t>(n * channels));
  // Alpha composites on black: v * a / 255, rounded.
  auto over_black = [alpha](const uint8_t* p, int c, int a_at) { return alpha ? (p[c] * p[a_at] + 127) / 255 : p[c]; };
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = st.pixels + i * in_c;
    if (colour) {
      const int r = over_black(p, 0, 3), g = over_black(p, 1, 3), b = over_black(p, 2, 3);
      if (channels == 1) {
        out.pixels[i] = luma(r, g, b);
      } else {
        out.pixels[3 * i] = static_cast<uint8_t>(r);
        out.pixels[3 * i + 1] = static_cast<uint8_t>(g);
        out.pixels[3 * i + 2] = static_cast<uint8_t>(b);
      }
    } else {
      const uint8_t v = static_cast<uint8_t>(over_black(p, 0, 1));
      for (int c = 0; c < channels; ++c) out.pixels[i * channels + c] = v;
    }
  }
  return out;
}

// libjpeg reports errors through error_exit, which must not return: it
// longjmps back to decode_jpeg_raw, whose frame holds no C++ objects.
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegError*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings (level -1) are corrupt or truncated data that libjpeg would
// paper over with grey: treat them as errors. Trace messages are ignored.
void jpeg_message(j_common_ptr c, int level) {
  if (level < 0) jpeg_fail(c);
}

struct JpegOut {
  uint8_t* pixels;  // null on the first call: only the header is read
  int64_t width, height;
};

bool decode_jpeg_raw(const unsigned char* data, size_t size, int channels, JpegOut* out, JpegError* err,
                     bool header_only) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = jpeg_fail;
  err->mgr.emit_message = jpeg_message;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  out->width = cinfo.image_width;
  out->height = cinfo.image_height;
  if (header_only || out->width * out->height > kMaxPixels) {
    jpeg_destroy_decompress(&cinfo);
    return true;
  }
  jpeg_start_decompress(&cinfo);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->pixels + static_cast<size_t>(cinfo.output_scanline) * cinfo.output_width * channels;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

Image decode_jpeg(std::string_view bytes, const std::string& source, int channels) {
  JpegError err{};
  JpegOut o{nullptr, 0, 0};
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (!decode_jpeg_raw(data, bytes.size(), channels, &o, &err, true))
    throw IOError(str_cat(source, ": bad JPEG: ", err.message));
  if (o.width <= 0 || o.height <= 0 || o.width * o.height > kMaxPixels)
    throw IOError(str_cat(source, ": JPEG of ", o.width, " x ", o.height, " pixels is outside the 1 to ", kMaxPixels,
                          " pixels accepted"));
  Image img;
  img.width = o.width;
  img.height = o.height;
  img.channels = channels;
  img.pixels.assign(static_cast<size_t>(o.width * o.height * channels), 0);
  o.pixels = img.pixels.data();
  if (!decode_jpeg_raw(data, bytes.size(), channels, &o, &err, false))
    throw IOError(str_cat(source, ": bad JPEG: ", err.message));
  return img;
}

}  // namespace

Image decode_image(std::string_view bytes, const std::string& source, int channels) {
  TERN_CHECK(channels == 1 || channels == 3, "images: channels must be 1 or 3, given ", channels);
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0)
    return decode_png(bytes, source, channels);
  if (bytes.size() >= 3 && std::memcmp(bytes.data(), "\xFF\xD8\xFF", 3) == 0) return decode_jpeg(bytes, source, channels);
  throw IOError(str_cat(source, ": neither a PNG nor a JPEG file (", bytes.size() < 3 ? "too short" : "unknown signature",
                        ")"));
}

Image read_image(const std::string& path, int channels) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IOError(str_cat("cannot open image ", path));
  std::ostringstream ss;
  ss << f.rdbuf();
  return decode_image(ss.str(), path, channels);
}

void resize_bilinear_chw(const Image& img, int64_t size, uint8_t* dst) {
  const int64_t w = img.width, h = img.height, c = img.channels;
  const uint8_t* src = img.pixels.data();
  if (w == size && h == size) {  // the common case of a prepared dataset: a transpose
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < c; ++ch) dst[(ch * size + y) * size + x] = src[(y * w + x) * c + ch];
    return;
  }
  // Source coordinate of output pixel i: (i + 0.5) * in / out - 0.5, clamped.
  auto coords = [size](int64_t in, std::vector<int64_t>& i0, std::vector<int64_t>& i1, std::vector<float>& frac) {
    i0.resize(size), i1.resize(size), frac.resize(size);
    const double scale = static_cast<double>(in) / size;
    for (int64_t i = 0; i < size; ++i) {
      double s = (i + 0.5) * scale - 0.5;
      if (s < 0) s = 0;
      int64_t lo = static_cast<int64_t>(s);
      if (lo > in - 1) lo = in - 1;
      i0[i] = lo;
      i1[i] = lo + 1 < in ? lo + 1 : in - 1;
      frac[i] = static_cast<float>(s - lo);
    }
  };
  std::vector<int64_t> x0, x1, y0, y1;
  std::vector<float> fx, fy;
  coords(w, x0, x1, fx);
  coords(h, y0, y1, fy);
  for (int64_t y = 0; y < size; ++y)
    for (int64_t x = 0; x < size; ++x)
      for (int64_t ch = 0; ch < c; ++ch) {
        auto at = [&](int64_t yy, int64_t xx) { return static_cast<float>(src[(yy * w + xx) * c + ch]); };
        const float top = at(y0[y], x0[x]) + (at(y0[y], x1[x]) - at(y0[y], x0[x])) * fx[x];
        const float bot = at(y1[y], x0[x]) + (at(y1[y], x1[x]) - at(y1[y], x0[x])) * fx[x];
        const float v = top + (bot - top) * fy[y];
        dst[(ch * size + y) * size + x] = static_cast<uint8_t>(v + 0.5f > 255.f ? 255.f : v + 0.5f);
      }
}

}  // namespace tern::data
