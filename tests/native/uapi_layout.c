/* Prints the sizes, field offsets and ioctl numbers of the kernel uAPI structures EdgeCam mirrors
 * in C#, from the machine's own kernel headers. tests/EdgeCam.Tests/Devices/UapiLayoutTests.cs
 * compiles this with gcc and compares every line with the C# definitions.
 * Output lines: "<name> <decimal value>". */
#include <linux/gpio.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <linux/videodev2.h>
#include <stddef.h>
#include <stdio.h>

#define SIZE(t) printf("sizeof(%s) %zu\n", #t, sizeof(struct t))
#define OFF(t, f) printf("offsetof(%s.%s) %zu\n", #t, #f, offsetof(struct t, f))
#define NUM(n) printf("%s %lu\n", #n, (unsigned long)(n))

int main(void) {
  SIZE(gpiochip_info); OFF(gpiochip_info, label); OFF(gpiochip_info, lines);
  SIZE(gpio_v2_line_attribute); OFF(gpio_v2_line_attribute, flags);
  SIZE(gpio_v2_line_config_attribute); OFF(gpio_v2_line_config_attribute, mask);
  SIZE(gpio_v2_line_config); OFF(gpio_v2_line_config, num_attrs); OFF(gpio_v2_line_config, attrs);
  SIZE(gpio_v2_line_request); OFF(gpio_v2_line_request, consumer); OFF(gpio_v2_line_request, config);
  OFF(gpio_v2_line_request, num_lines); OFF(gpio_v2_line_request, event_buffer_size); OFF(gpio_v2_line_request, fd);
  SIZE(gpio_v2_line_values); OFF(gpio_v2_line_values, mask);
  SIZE(gpio_v2_line_info); OFF(gpio_v2_line_info, offset); OFF(gpio_v2_line_info, flags); OFF(gpio_v2_line_info, attrs);
  SIZE(gpio_v2_line_event); OFF(gpio_v2_line_event, id); OFF(gpio_v2_line_event, seqno); OFF(gpio_v2_line_event, line_seqno);
  NUM(GPIO_GET_CHIPINFO_IOCTL); NUM(GPIO_V2_GET_LINEINFO_IOCTL); NUM(GPIO_V2_GET_LINE_IOCTL);
  NUM(GPIO_V2_LINE_SET_CONFIG_IOCTL); NUM(GPIO_V2_LINE_GET_VALUES_IOCTL); NUM(GPIO_V2_LINE_SET_VALUES_IOCTL);
  NUM(GPIO_V2_LINE_FLAG_ACTIVE_LOW); NUM(GPIO_V2_LINE_FLAG_OUTPUT); NUM(GPIO_V2_LINE_FLAG_BIAS_DISABLED);
  NUM(GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME); NUM(GPIO_V2_LINE_ATTR_ID_DEBOUNCE);

  SIZE(v4l2_capability); OFF(v4l2_capability, version); OFF(v4l2_capability, device_caps);
  SIZE(v4l2_fmtdesc); OFF(v4l2_fmtdesc, description); OFF(v4l2_fmtdesc, pixelformat);
  SIZE(v4l2_format); OFF(v4l2_format, fmt);
  SIZE(v4l2_pix_format); OFF(v4l2_pix_format, bytesperline); OFF(v4l2_pix_format, xfer_func);
  SIZE(v4l2_requestbuffers); OFF(v4l2_requestbuffers, capabilities); OFF(v4l2_requestbuffers, flags);
  SIZE(v4l2_buffer); OFF(v4l2_buffer, timestamp); OFF(v4l2_buffer, timecode); OFF(v4l2_buffer, sequence);
  OFF(v4l2_buffer, m); OFF(v4l2_buffer, length); OFF(v4l2_buffer, request_fd);
  NUM(VIDIOC_QUERYCAP); NUM(VIDIOC_ENUM_FMT); NUM(VIDIOC_G_FMT); NUM(VIDIOC_S_FMT); NUM(VIDIOC_TRY_FMT);
  NUM(VIDIOC_REQBUFS); NUM(VIDIOC_QUERYBUF); NUM(VIDIOC_QBUF); NUM(VIDIOC_DQBUF); NUM(VIDIOC_STREAMON); NUM(VIDIOC_STREAMOFF);
  NUM(V4L2_CAP_STREAMING); NUM(V4L2_CAP_DEVICE_CAPS);
  SIZE(v4l2_frmsizeenum); OFF(v4l2_frmsizeenum, type); OFF(v4l2_frmsizeenum, discrete); OFF(v4l2_frmsizeenum, stepwise.step_height);
  NUM(VIDIOC_ENUM_FRAMESIZES); NUM(V4L2_FRMSIZE_TYPE_STEPWISE); NUM(V4L2_BUF_FLAG_ERROR);

  SIZE(i2c_smbus_ioctl_data); OFF(i2c_smbus_ioctl_data, size); OFF(i2c_smbus_ioctl_data, data);
  printf("sizeof(i2c_smbus_data) %zu\n", sizeof(union i2c_smbus_data));
  NUM(I2C_SLAVE); NUM(I2C_SLAVE_FORCE); NUM(I2C_FUNCS); NUM(I2C_RDWR); NUM(I2C_SMBUS);
  NUM(I2C_SMBUS_I2C_BLOCK_DATA); NUM(I2C_SMBUS_BLOCK_DATA);
  return 0;
}
