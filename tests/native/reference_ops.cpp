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

// The fastest libyuv composition: YUY2/NV12 -> ARGB at full size, ARGBScale (bilinear, or box
// beyond 2x), then a plain loop the compiler vectorises (-O3) to normalise into the tensor.
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
  const uint8_t* p = small.data();
  const int n = dst_width * dst_height;
  if (nchw) {
    float* r = tensor; float* g = tensor + n; float* b = tensor + 2 * n;
    for (int i = 0; i < n; i++) {
      r[i] = p[4 * i + 2] * scale + offset;
      g[i] = p[4 * i + 1] * scale + offset;
      b[i] = p[4 * i + 0] * scale + offset;
    }
  } else {
    for (int i = 0; i < n; i++) {
      tensor[3 * i + 0] = p[4 * i + 2] * scale + offset;
      tensor[3 * i + 1] = p[4 * i + 1] * scale + offset;
      tensor[3 * i + 2] = p[4 * i + 0] * scale + offset;
    }
  }
  return 0;
}

// The floor: copying the bytes the fused pass must read.
void ref_memcpy(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }

}  // extern "C"
