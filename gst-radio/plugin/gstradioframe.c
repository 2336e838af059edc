/* gstradioframe.c: resize policies (model input size, placement of the
 * frame in it, and the frame-to-grid mapping published in GstRadioMeta)
 * and GstVideoFrame -> RadioFrame. */
#include "gstradioframe.h"

#include <math.h>
#include <string.h>

#include "radio-error.h"
#include "radio-model.h"

static gboolean
check_multiple (guint value, guint patch, const char *what, GError **error)
{
  if (value == 0 || value % patch != 0) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "%s %u is not a positive multiple of the model's patch size %u", what,
        value, patch);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_radio_plan_input (const RadioCheckpoint *ckpt, GstRadioResize resize,
    guint width, guint height, guint frame_width, guint frame_height,
    GstRadioPlan *plan, GError **error)
{
  guint P = ckpt->patch_size, W, H;
  RadioPlacement *p = &plan->placement;
  GstRadioGeometry *g = &plan->geometry;

  memset (plan, 0, sizeof *plan);
  if (frame_width < P || frame_height < P) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "a %ux%u frame is smaller than one %ux%u patch of the model",
        frame_width, frame_height, P, P);
    return FALSE;
  }
  if (width == 0 || height == 0) {
    width = ckpt->preferred_width;
    height = ckpt->preferred_height;
  }

  switch (resize) {
    case GST_RADIO_RESIZE_NEAREST:
      W = radio_nearest_model_size (frame_width, P);
      H = radio_nearest_model_size (frame_height, P);
      break;
    case GST_RADIO_RESIZE_PREFERRED:
      W = ckpt->preferred_width;
      H = ckpt->preferred_height;
      break;
    case GST_RADIO_RESIZE_FIXED:
    case GST_RADIO_RESIZE_LETTERBOX:
    default:
      W = width;
      H = height;
      break;
  }
  if (!check_multiple (W, P, "model input width", error)
      || !check_multiple (H, P, "model input height", error))
    return FALSE;

  plan->input_width = W;
  plan->input_height = H;
  p->x = p->y = 0;
  p->width = W;
  p->height = H;
  if (resize == GST_RADIO_RESIZE_LETTERBOX) {
    double s = MIN ((double)W / frame_width, (double)H / frame_height);
    p->width = CLAMP ((guint)lround (frame_width * s), 1, W);
    p->height = CLAMP ((guint)lround (frame_height * s), 1, H);
    p->x = (W - p->width) / 2;
    p->y = (H - p->height) / 2;
  }
  /* The borders are the normalizer mean: zero after normalization. */
  memcpy (p->pad, ckpt->cond_mean, sizeof p->pad);

  g->patch_size = P;
  g->input_width = W;
  g->input_height = H;
  g->grid_width = W / P;
  g->grid_height = H / P;
  g->frame_width = frame_width;
  g->frame_height = frame_height;
  g->scale_x = (double)p->width / frame_width / P;
  g->scale_y = (double)p->height / frame_height / P;
  g->offset_x = (double)p->x / P;
  g->offset_y = (double)p->y / P;
  return TRUE;
}

RadioPixelFormat
gst_radio_pixel_format (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      return RADIO_PIXEL_RGB;
    case GST_VIDEO_FORMAT_BGR:
      return RADIO_PIXEL_BGR;
    case GST_VIDEO_FORMAT_RGBA:
      return RADIO_PIXEL_RGBA;
    case GST_VIDEO_FORMAT_BGRA:
      return RADIO_PIXEL_BGRA;
    case GST_VIDEO_FORMAT_RGBx:
      return RADIO_PIXEL_RGBX;
    case GST_VIDEO_FORMAT_BGRx:
      return RADIO_PIXEL_BGRX;
    case GST_VIDEO_FORMAT_xRGB:
      return RADIO_PIXEL_XRGB;
    case GST_VIDEO_FORMAT_xBGR:
      return RADIO_PIXEL_XBGR;
    case GST_VIDEO_FORMAT_ARGB:
      return RADIO_PIXEL_ARGB;
    case GST_VIDEO_FORMAT_ABGR:
      return RADIO_PIXEL_ABGR;
    case GST_VIDEO_FORMAT_NV12:
      return RADIO_PIXEL_NV12;
    case GST_VIDEO_FORMAT_I420:
      return RADIO_PIXEL_I420;
    default:
      return RADIO_PIXEL_COUNT;
  }
}

void
gst_radio_frame_from_video_frame (RadioFrame *out, const GstVideoFrame *vf)
{
  const GstVideoInfo *info = &vf->info;
  guint i;

  memset (out, 0, sizeof *out);
  out->format = gst_radio_pixel_format (GST_VIDEO_INFO_FORMAT (info));
  out->width = GST_VIDEO_INFO_WIDTH (info);
  out->height = GST_VIDEO_INFO_HEIGHT (info);
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (vf) && i < 3; i++) {
    out->planes[i] = GST_VIDEO_FRAME_PLANE_DATA (vf, i);
    out->strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (vf, i);
  }
  if (GST_VIDEO_INFO_IS_YUV (info)) {
    gdouble kr = 0.299, kb = 0.114;
    gint offset[GST_VIDEO_MAX_COMPONENTS], scale[GST_VIDEO_MAX_COMPONENTS];

    if (!gst_video_color_matrix_get_Kr_Kb (
            info->colorimetry.matrix, &kr, &kb)) {
      kr = 0.299;
      kb = 0.114;
    }
    gst_video_color_range_offsets (
        info->colorimetry.range, info->finfo, offset, scale);
    radio_yuv_to_rgb_coefficients (
        out, kr, kb, offset[0], scale[0], offset[1], scale[1]);
  }
}
