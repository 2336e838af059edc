/* test-preprocess: radio_cpu_frame_to_image against a double-precision
 * reference written from the contract in radio-frame.h, for every pixel
 * format, odd frame sizes, padded strides, resizing up and down, and
 * letterbox placements; plus the rejection of invalid frames. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "radio-cpu.h"
#include "radio-frame.h"
#include "test-util.h"

typedef struct {
  RadioPixelFormat format;
  const char *layout; /* byte order of a packed pixel, NULL for YUV */
} FormatCase;

static const FormatCase formats[] = {
  { RADIO_PIXEL_RGB, "RGB" },
  { RADIO_PIXEL_BGR, "BGR" },
  { RADIO_PIXEL_RGBA, "RGBA" },
  { RADIO_PIXEL_BGRA, "BGRA" },
  { RADIO_PIXEL_RGBX, "RGBx" },
  { RADIO_PIXEL_BGRX, "BGRx" },
  { RADIO_PIXEL_XRGB, "xRGB" },
  { RADIO_PIXEL_XBGR, "xBGR" },
  { RADIO_PIXEL_ARGB, "ARGB" },
  { RADIO_PIXEL_ABGR, "ABGR" },
  { RADIO_PIXEL_NV12, NULL },
  { RADIO_PIXEL_I420, NULL },
};

typedef struct {
  RadioFrame frame;
  guint8 *planes[3];
  double kr, kb;
  gboolean full_range;
} TestFrame;

/* A random frame with rows padded by 5 bytes. */
static void
test_frame_init (
    TestFrame *t, const FormatCase *fc, size_t w, size_t h, GRand *rand)
{
  size_t cw = (w + 1) / 2, ch = (h + 1) / 2, sizes[3], i, p;

  memset (t, 0, sizeof *t);
  t->frame.format = fc->format;
  t->frame.width = w;
  t->frame.height = h;
  if (fc->layout) {
    t->frame.strides[0] = w * strlen (fc->layout) + 5;
    sizes[0] = t->frame.strides[0] * h;
  } else {
    t->frame.strides[0] = w + 5;
    sizes[0] = t->frame.strides[0] * h;
    if (fc->format == RADIO_PIXEL_NV12) {
      t->frame.strides[1] = 2 * cw + 5;
      sizes[1] = t->frame.strides[1] * ch;
    } else {
      t->frame.strides[1] = t->frame.strides[2] = cw + 5;
      sizes[1] = sizes[2] = t->frame.strides[1] * ch;
    }
    t->kr = 0.2126;
    t->kb = 0.0722;
    t->full_range = fc->format == RADIO_PIXEL_I420;
    if (t->full_range)
      radio_yuv_to_rgb_coefficients (&t->frame, t->kr, t->kb, 0, 255, 128, 255);
    else
      radio_yuv_to_rgb_coefficients (
          &t->frame, t->kr, t->kb, 16, 219, 128, 224);
  }
  for (p = 0; p < 3; p++) {
    if ((fc->layout && p > 0) || (fc->format == RADIO_PIXEL_NV12 && p > 1))
      break;
    t->planes[p] = g_malloc (sizes[p]);
    for (i = 0; i < sizes[p]; i++)
      t->planes[p][i] = g_rand_int_range (rand, 0, 256);
    t->frame.planes[p] = t->planes[p];
  }
}

static void
test_frame_clear (TestFrame *t)
{
  guint p;
  for (p = 0; p < 3; p++)
    g_free (t->planes[p]);
}

/* Source pixel (x, y) as RGB in [0, 1], straight from the definitions. */
static void
reference_pixel (
    const TestFrame *t, const FormatCase *fc, size_t x, size_t y, double rgb[3])
{
  const RadioFrame *f = &t->frame;
  int c;

  if (fc->layout) {
    const guint8 *px
        = f->planes[0] + y * f->strides[0] + x * strlen (fc->layout);
    for (c = 0; c < 3; c++)
      rgb[c] = px[strchr (fc->layout, "RGB"[c]) - fc->layout] / 255.0;
  } else {
    RadioTestYuvFrame yuv = { { f->planes[0], f->planes[1], f->planes[2] },
      { f->strides[0], f->strides[1], f->strides[2] },
      f->format == RADIO_PIXEL_NV12, f->width, f->height, t->kr, t->kb,
      t->full_range };
    radio_test_yuv_pixel (&yuv, x, y, rgb);
  }
}

/* Half-pixel bilinear sample of the source at output cell (ox, oy) of an
 * out_w x out_h resize. */
static void
reference_resized (const TestFrame *t, const FormatCase *fc, size_t ox,
    size_t oy, size_t out_w, size_t out_h, double rgb[3])
{
  size_t w = t->frame.width, h = t->frame.height, x0, x1, y0, y1;
  double sx = MAX ((ox + 0.5) * w / out_w - 0.5, 0.0);
  double sy = MAX ((oy + 0.5) * h / out_h - 0.5, 0.0);
  double lx, ly, a[3], b[3], c[3], d[3];
  int k;

  x0 = MIN ((size_t)sx, w - 1);
  y0 = MIN ((size_t)sy, h - 1);
  x1 = MIN (x0 + 1, w - 1);
  y1 = MIN (y0 + 1, h - 1);
  lx = sx - x0;
  ly = sy - y0;
  reference_pixel (t, fc, x0, y0, a);
  reference_pixel (t, fc, x1, y0, b);
  reference_pixel (t, fc, x0, y1, c);
  reference_pixel (t, fc, x1, y1, d);
  for (k = 0; k < 3; k++)
    rgb[k] = (1 - ly) * ((1 - lx) * a[k] + lx * b[k])
             + ly * ((1 - lx) * c[k] + lx * d[k]);
}

static double
check_case (const FormatCase *fc, size_t w, size_t h, size_t canvas_w,
    size_t canvas_h, const RadioPlacement *p, GRand *rand)
{
  TestFrame t;
  float *image = g_new (float, canvas_w *canvas_h * 3);
  float *scratch;
  double worst = 0.0;
  size_t x, y;
  int c;

  test_frame_init (&t, fc, w, h, rand);
  scratch
      = g_new (float, MAX (radio_cpu_frame_scratch_floats (&t.frame, p), 1));
  g_assert_cmpint (radio_cpu_frame_to_image (
                       image, canvas_h, canvas_w, &t.frame, p, scratch),
      ==, 0);
  for (y = 0; y < canvas_h; y++)
    for (x = 0; x < canvas_w; x++) {
      double want[3];
      const float *got = image + (y * canvas_w + x) * 3;
      gboolean inside = x >= p->x && x < p->x + p->width && y >= p->y
                        && y < p->y + p->height;

      if (!inside) {
        for (c = 0; c < 3; c++)
          g_assert_cmpfloat (got[c], ==, p->pad[c]);
        continue;
      }
      if (p->width == w && p->height == h)
        reference_pixel (&t, fc, x - p->x, y - p->y, want);
      else
        reference_resized (
            &t, fc, x - p->x, y - p->y, p->width, p->height, want);
      for (c = 0; c < 3; c++)
        worst = MAX (worst, fabs (got[c] - want[c]));
    }
  g_free (scratch);
  g_free (image);
  test_frame_clear (&t);
  return worst;
}

static void
test_formats (void)
{
  /* frame size, canvas, placement */
  static const struct {
    size_t w, h, cw, ch, px, py, pw, ph;
  } layouts[] = {
    { 13, 9, 13, 9, 0, 0, 13, 9 },    /* as is, odd sizes */
    { 13, 9, 32, 16, 0, 0, 32, 16 },  /* upscale */
    { 37, 29, 16, 16, 0, 0, 16, 16 }, /* downscale */
    { 37, 19, 32, 32, 0, 8, 32, 16 }, /* letterbox, bands top and bottom */
    { 7, 21, 16, 32, 5, 0, 6, 32 },   /* letterbox, bands left and right */
    { 13, 9, 20, 12, 3, 2, 13, 9 },   /* padded, not resized */
  };
  GRand *rand = g_rand_new_with_seed (11);
  guint f, l;

  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    for (l = 0; l < G_N_ELEMENTS (layouts); l++) {
      RadioPlacement p = { layouts[l].px, layouts[l].py, layouts[l].pw,
        layouts[l].ph, { 0.25f, 0.5f, 0.75f } };
      double err = check_case (&formats[f], layouts[l].w, layouts[l].h,
          layouts[l].cw, layouts[l].ch, &p, rand);
      g_test_message (
          "format %d layout %u: max error %.3g", formats[f].format, l, err);
      g_assert_cmpfloat (err, <=, 2e-6);
    }
  g_rand_free (rand);
}

/* An RGB frame that lands unresized is exactly byte / 255, as the golden
 * path (radio_forward_run_rgb8) computes it. */
static void
test_rgb_exact (void)
{
  guint8 px[2 * 3 * 3];
  float image[2 * 3 * 3];
  RadioFrame f = { .format = RADIO_PIXEL_RGB,
    .width = 3,
    .height = 2,
    .planes = { px },
    .strides = { 9 } };
  RadioPlacement p = { 0, 0, 3, 2, { 0, 0, 0 } };
  guint i;

  for (i = 0; i < sizeof px; i++)
    px[i] = i * 13;
  g_assert_cmpint (radio_cpu_frame_scratch_floats (&f, &p), ==, 0);
  g_assert_cmpint (radio_cpu_frame_to_image (image, 2, 3, &f, &p, NULL), ==, 0);
  for (i = 0; i < sizeof px; i++)
    g_assert_cmpfloat (image[i], ==, (float)px[i] / 255.0f);
}

static void
test_invalid (void)
{
  guint8 px[64 * 3] = { 0 };
  float image[16 * 16 * 3];
  RadioFrame f = { .format = RADIO_PIXEL_RGB,
    .width = 8,
    .height = 8,
    .planes = { px },
    .strides = { 24 } };
  RadioPlacement p = { 0, 0, 16, 16, { 0, 0, 0 } };
  float scratch[8 * 8 * 3 + 16 * 16 * 3];

  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, 0);
  /* placement outside the canvas */
  p.x = 1;
  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, -1);
  p.x = 0;
  /* stride shorter than a row */
  f.strides[0] = 23;
  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, -1);
  f.strides[0] = 24;
  /* no data, no size, unknown format, missing chroma plane */
  f.planes[0] = NULL;
  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, -1);
  f.planes[0] = px;
  f.width = 0;
  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, -1);
  f.width = 8;
  f.format = RADIO_PIXEL_COUNT;
  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, -1);
  f.format = RADIO_PIXEL_NV12;
  f.strides[0] = 8;
  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, -1);
  /* empty placement */
  f.format = RADIO_PIXEL_RGB;
  f.strides[0] = 24;
  p.width = 0;
  g_assert_cmpint (
      radio_cpu_frame_to_image (image, 16, 16, &f, &p, scratch), ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/formats", test_formats);
  g_test_add_func ("/preprocess/rgb-exact", test_rgb_exact);
  g_test_add_func ("/preprocess/invalid", test_invalid);
  return g_test_run ();
}
