// Independent implementations EdgeCam's preprocessing is checked and measured against:
// OpenCV 4.6 and libyuv from Debian, behind a tiny C ABI that C# calls through P/Invoke.
// Built by scripts/setup-native-reference.sh into the cache (not committed as a binary).
//
// Conventions, for whoever compares results:
//  - OpenCV's COLOR_YUV2RGB_YUYV / COLOR_YUV2RGB_NV12 use BT.601 limited-range coefficients in
//    fixed point and take chroma from the pixel's pair/quad, as EdgeCam's reference does.
//  - cv::resize INTER_LINEAR maps dst to src with src = (dst + 0.5) * scale - 0.5 and clamps at
//    the border, as EdgeCam's reference does; it interpolates 8-bit data with 11-bit fixed-point
//    weights and rounds, so values differ from EdgeCam's float path by up to a level or so.
//  - libyuv's YUY2ToARGB/NV12ToARGB write B,G,R,A byte order ("ARGB" as a little-endian word).
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <libyuv.h>
#include <cstdint>
#include <cstring>
#include <vector>

// Normalises packed 8-bit pixels (BYTES per pixel, red/green/blue at R, G, B) into the float
// tensor, NCHW or NHWC; -O3 vectorises the loops.
template <int BYTES, int R, int G, int B>
static void normalise(const uint8_t* p, int n, int nchw, float scale, float offset, float* tensor) {
  if (nchw) {
    float* r = tensor; float* g = tensor + n; float* b = tensor + 2 * n;
    for (int i = 0; i < n; i++) {
      r[i] = p[BYTES * i + R] * scale + offset;
      g[i] = p[BYTES * i + G] * scale + offset;
      b[i] = p[BYTES * i + B] * scale + offset;
    }
  } else {
    for (int i = 0; i < n; i++) {
      tensor[3 * i + 0] = p[BYTES * i + R] * scale + offset;
      tensor[3 * i + 1] = p[BYTES * i + G] * scale + offset;
      tensor[3 * i + 2] = p[BYTES * i + B] * scale + offset;
    }
  }
}

extern "C" {

// YUYV (or NV12 when nv12 != 0) to packed RGB24 with OpenCV.
int ref_ocv_yuv_to_rgb(const uint8_t* src, int width, int height, int stride, int nv12, uint8_t* dst) {
  try {
    if (nv12) {
      cv::Mat yuv(height * 3 / 2, width, CV_8UC1, const_cast<uint8_t*>(src), stride);
      cv::Mat rgb(height, width, CV_8UC3, dst);
      cv::cvtColor(yuv, rgb, cv::COLOR_YUV2RGB_NV12);
    } else {
      cv::Mat yuyv(height, width, CV_8UC2, const_cast<uint8_t*>(src), stride);
      cv::Mat rgb(height, width, CV_8UC3, dst);
      cv::cvtColor(yuyv, rgb, cv::COLOR_YUV2RGB_YUYV);
    }
    return 0;
  } catch (...) {
    return -1;
  }
}

// Bilinear resize of packed 8-bit images with OpenCV (INTER_LINEAR).
int ref_ocv_resize_linear(const uint8_t* src, int width, int height, int stride, int channels,
                          uint8_t* dst, int dst_width, int dst_height) {
  try {
    cv::Mat in(height, width, CV_8UC(channels), const_cast<uint8_t*>(src), stride);
    cv::Mat out(dst_height, dst_width, CV_8UC(channels), dst);
    cv::resize(in, out, out.size(), 0, 0, cv::INTER_LINEAR);
    return 0;
  } catch (...) {
    return -1;
  }
}

// The fastest OpenCV composition we know for a float tensor: cvtColor, resize, then one
// convertTo with scale/offset (NHWC), or split into planes that convertTo writes in place (NCHW).
// Work buffers live in a thread-local cache so repeated calls allocate once.
int ref_ocv_pipeline(const uint8_t* src, int width, int height, int stride, int nv12,
                     int dst_width, int dst_height, int nchw, float scale, float offset, float* tensor) {
  try {
    thread_local cv::Mat rgb, small;
    if (nv12) {
      cv::Mat yuv(height * 3 / 2, width, CV_8UC1, const_cast<uint8_t*>(src), stride);
      cv::cvtColor(yuv, rgb, cv::COLOR_YUV2RGB_NV12);
    } else {
      cv::Mat yuyv(height, width, CV_8UC2, const_cast<uint8_t*>(src), stride);
      cv::cvtColor(yuyv, rgb, cv::COLOR_YUV2RGB_YUYV);
    }
    // Beyond 2x, INTER_AREA is what a careful user picks (bilinear aliases), as EdgeCam does.
    int interp = (width > 2 * dst_width || height > 2 * dst_height) ? cv::INTER_AREA : cv::INTER_LINEAR;
    cv::resize(rgb, small, cv::Size(dst_width, dst_height), 0, 0, interp);
    if (!nchw) {
      cv::Mat out(dst_height, dst_width, CV_32FC3, tensor);
      small.convertTo(out, CV_32F, scale, offset);
    } else {
      thread_local std::vector<cv::Mat> planes(3);
      cv::split(small, planes);
      for (int c = 0; c < 3; c++) {
        cv::Mat out(dst_height, dst_width, CV_32FC1, tensor + (size_t)c * dst_width * dst_height);
        planes[c].convertTo(out, CV_32F, scale, offset);
      }
    }
    return 0;
  } catch (...) {
    return -1;
  }
}

// The fastest libyuv composition, but not a correct one beyond 2x: YUY2/NV12 -> ARGB at full size,
// ARGBScale, then the normalise loop into the tensor.
// ARGBScale has no box filter for packed pixels except at exactly 2x and 4x: asked for kFilterBox
// it interpolates bilinearly from two rows, so beyond 2x it skips source pixels and aliases. Kept
// in the benchmark to show what that shortcut costs and saves; ref_yuv_box_pipeline is the
// correct composition.
int ref_yuv_pipeline(const uint8_t* src, int width, int height, int stride, int nv12,
                     int dst_width, int dst_height, int nchw, float scale, float offset, float* tensor) {
  thread_local std::vector<uint8_t> argb, small;
  argb.resize((size_t)width * height * 4);
  small.resize((size_t)dst_width * dst_height * 4);
  int rc = nv12
      ? libyuv::NV12ToARGB(src, stride, src + (size_t)stride * height, stride, argb.data(), width * 4, width, height)
      : libyuv::YUY2ToARGB(src, stride, argb.data(), width * 4, width, height);
  if (rc != 0) return rc;
  libyuv::FilterMode mode = (width > 2 * dst_width || height > 2 * dst_height) ? libyuv::kFilterBox : libyuv::kFilterBilinear;
  rc = libyuv::ARGBScale(argb.data(), width * 4, width, height, small.data(), dst_width * 4, dst_width, dst_height, mode);
  if (rc != 0) return rc;
  normalise<4, 2, 1, 0>(small.data(), dst_width * dst_height, nchw, scale, offset, tensor);
  return 0;
}

// The fastest correct libyuv composition for downscales beyond 2x (where bilinear aliases): libyuv
// has a true box filter only for planes (ScalePlane with kFilterBox, which averages every source
// pixel of each destination pixel's footprint), so the frame is taken apart into Y, U and V planes,
// each plane is box-scaled straight to the tensor size (chroma too, so every tensor pixel gets the
// average chroma of its own footprint, as EdgeCam's area filter does), and I444ToRAW converts only
// the tensor's pixels (BT.601 limited, R,G,B order). YUYV needs one full-frame pass (YUY2ToI422) to
// split it; NV12's luma plane is scaled in place and only its quarter-size UV plane is split.
// Within 2x ScalePlane filters bilinearly, which is correct there.
int ref_yuv_box_pipeline(const uint8_t* src, int width, int height, int stride, int nv12,
                         int dst_width, int dst_height, int nchw, float scale, float offset, float* tensor) {
  thread_local std::vector<uint8_t> y, u, v, sy, su, sv, rgb;
  const int cw = (width + 1) / 2, ch = nv12 ? (height + 1) / 2 : height;
  const size_t n = (size_t)dst_width * dst_height;
  u.resize((size_t)cw * ch); v.resize((size_t)cw * ch);
  sy.resize(n); su.resize(n); sv.resize(n); rgb.resize(n * 3);
  const uint8_t* luma = src;
  int luma_stride = stride;
  if (nv12) {
    libyuv::SplitUVPlane(src + (size_t)stride * height, stride, u.data(), cw, v.data(), cw, cw, ch);
  } else {
    y.resize((size_t)width * height);
    int rc = libyuv::YUY2ToI422(src, stride, y.data(), width, u.data(), cw, v.data(), cw, width, height);
    if (rc != 0) return rc;
    luma = y.data();
    luma_stride = width;
  }
  libyuv::ScalePlane(luma, luma_stride, width, height, sy.data(), dst_width, dst_width, dst_height, libyuv::kFilterBox);
  libyuv::ScalePlane(u.data(), cw, cw, ch, su.data(), dst_width, dst_width, dst_height, libyuv::kFilterBox);
  libyuv::ScalePlane(v.data(), cw, cw, ch, sv.data(), dst_width, dst_width, dst_height, libyuv::kFilterBox);
  int rc = libyuv::I444ToRAW(sy.data(), dst_width, su.data(), dst_width, sv.data(), dst_width,
                             rgb.data(), dst_width * 3, dst_width, dst_height);
  if (rc != 0) return rc;
  normalise<3, 0, 1, 2>(rgb.data(), (int)n, nchw, scale, offset, tensor);
  return 0;
}

// The floor: copying the bytes the fused pass must read.
void ref_memcpy(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }

}  // extern "C"
