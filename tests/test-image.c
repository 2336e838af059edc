/* test-image.c: tests radio-image.c: PNG round trips, PNG colour types the
 * loader must convert, binary and ASCII PPM, JPEG, and the errors reported
 * for missing, foreign, truncated and corrupt files. */
#include "radio-image.h"
#include "radio-error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <png.h>
#include <jpeglib.h>

#ifdef RADIO_IMAGE_TEST_STANDALONE
/* The library build provides this in radio-error.c. */
G_DEFINE_QUARK (radio-error-quark, radio_error)
#endif

typedef struct {
  gchar *dir;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  GError *error = NULL;

  (void) data;
  fx->dir = g_dir_make_tmp ("test-image-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  GDir *dir;
  const gchar *name;

  (void) data;
  dir = g_dir_open (fx->dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    gchar *path = g_build_filename (fx->dir, name, NULL);

    /* remove() also takes the empty directories some tests create. */
    g_assert_cmpint (g_remove (path), ==, 0);
    g_free (path);
  }
  g_dir_close (dir);
  g_assert_cmpint (g_rmdir (fx->dir), ==, 0);
  g_free (fx->dir);
}

static gchar *
fx_path (Fixture *fx, const char *name)
{
  return g_build_filename (fx->dir, name, NULL);
}

static void
write_file (const char *path, const void *data, gsize size)
{
  GError *error = NULL;

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
}

static RadioImage *
random_image (guint width, guint height, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint8 *pixels = g_malloc ((gsize) width * height * 3);
  RadioImage *image;
  gsize i;

  for (i = 0; i < (gsize) width * height * 3; i++)
    pixels[i] = g_rand_int_range (rand, 0, 256);
  image = radio_image_new_from_data (width, height, pixels);
  g_free (pixels);
  g_rand_free (rand);
  return image;
}

static void
assert_images_equal (const RadioImage *a, const RadioImage *b)
{
  g_assert_cmpuint (a->width, ==, b->width);
  g_assert_cmpuint (a->height, ==, b->height);
  g_assert_cmpmem (a->pixels, (gsize) a->width * a->height * 3, b->pixels,
      (gsize) b->width * b->height * 3);
}

static RadioImage *
load_ok (const char *path)
{
  GError *error = NULL;
  RadioImage *image = radio_image_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (image);
  g_assert_nonnull (image->pixels);
  return image;
}

/* Checks the error code and that the message names the file, which is
 * what makes it useful to a user. */
static void
load_fails (const char *path, RadioErrorCode code)
{
  GError *error = NULL;
  RadioImage *image = radio_image_load (path, &error);

  g_assert_null (image);
  g_assert_error (error, RADIO_ERROR, (gint) code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_error_free (error);
}

static void
load_bytes_fails (Fixture *fx, const char *name, const void *data,
    gsize size)
{
  gchar *path = fx_path (fx, name);

  write_file (path, data, size);
  load_fails (path, RADIO_ERROR_IMAGE);
  g_free (path);
}

/* Reference for the loader's integer scaling, computed independently. */
static guint8
scale_to_8 (guint v, guint maxval)
{
  return (guint8) (v * 255.0 / maxval + 0.5);
}

/* ------------------------------------------------------------ PNG tests */

static void
test_png_roundtrip (Fixture *fx, gconstpointer data)
{
  static const guint sizes[][2] = { { 1, 1 }, { 37, 23 }, { 256, 3 },
    { 3, 200 } };
  gchar *path = fx_path (fx, "roundtrip.png");
  guint i;

  (void) data;
  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autoptr (RadioImage) image = random_image (sizes[i][0], sizes[i][1],
        1234 + i);
    g_autoptr (RadioImage) loaded = NULL;
    GError *error = NULL;

    g_assert_true (radio_image_save_png (image, path, &error));
    g_assert_no_error (error);
    loaded = load_ok (path);
    assert_images_equal (image, loaded);
  }
  g_free (path);
}

/* Writes a PNG of any colour type with libpng directly, since
 * radio_image_save_png only writes 8-bit RGB.  rows holds height rows of
 * png_get_rowbytes bytes each, 16-bit samples big-endian.  libpng's default
 * error handling aborts, which is acceptable for test input. */
static void
write_png_raw (const char *path, guint width, guint height, int color_type,
    int bit_depth, int interlace, const guint8 *rows,
    const png_color *palette, int n_palette, const guint8 *trans,
    int n_trans)
{
  FILE *file = g_fopen (path, "wb");
  png_structp png;
  png_infop info;
  gsize row_bytes;
  int passes, pass;
  guint y;

  g_assert_nonnull (file);
  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  g_assert_nonnull (png);
  info = png_create_info_struct (png);
  g_assert_nonnull (info);
  png_init_io (png, file);
  png_set_IHDR (png, info, width, height, bit_depth, color_type, interlace,
      PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (palette != NULL)
    png_set_PLTE (png, info, palette, n_palette);
  if (trans != NULL)
    png_set_tRNS (png, info, trans, n_trans, NULL);
  png_write_info (png, info);
  row_bytes = png_get_rowbytes (png, info);
  passes = png_set_interlace_handling (png);
  for (pass = 0; pass < passes; pass++)
    for (y = 0; y < height; y++)
      png_write_row (png, rows + y * row_bytes);
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  g_assert_cmpint (fclose (file), ==, 0);
}

static void
test_png_gray8 (Fixture *fx, gconstpointer data)
{
  const guint w = 7, h = 5;
  guint8 grey[7 * 5];
  gchar *path = fx_path (fx, "gray8.png");
  RadioImage *image;
  guint i;

  (void) data;
  for (i = 0; i < w * h; i++)
    grey[i] = (i * 37) & 0xff;
  write_png_raw (path, w, h, PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE,
      grey, NULL, 0, NULL, 0);
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, w);
  g_assert_cmpuint (image->height, ==, h);
  for (i = 0; i < w * h; i++) {
    g_assert_cmpuint (image->pixels[3 * i], ==, grey[i]);
    g_assert_cmpuint (image->pixels[3 * i + 1], ==, grey[i]);
    g_assert_cmpuint (image->pixels[3 * i + 2], ==, grey[i]);
  }
  radio_image_free (image);
  g_free (path);
}

static void
test_png_gray1 (Fixture *fx, gconstpointer data)
{
  /* 10 pixels per row: two bytes, the last 6 bits padding. */
  static const guint8 rows[] = { 0xa5, 0xc0, 0x0f, 0x40 };
  static const guint8 expect[2][10] = {
    { 1, 0, 1, 0, 0, 1, 0, 1, 1, 1 },
    { 0, 0, 0, 0, 1, 1, 1, 1, 0, 1 },
  };
  gchar *path = fx_path (fx, "gray1.png");
  RadioImage *image;
  guint x, y, c;

  (void) data;
  write_png_raw (path, 10, 2, PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE,
      rows, NULL, 0, NULL, 0);
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, 10);
  g_assert_cmpuint (image->height, ==, 2);
  for (y = 0; y < 2; y++)
    for (x = 0; x < 10; x++)
      for (c = 0; c < 3; c++)
        g_assert_cmpuint (image->pixels[(y * 10 + x) * 3 + c], ==,
            expect[y][x] ? 255 : 0);
  radio_image_free (image);
  g_free (path);
}

static void
test_png_rgba (Fixture *fx, gconstpointer data)
{
  const guint w = 6, h = 4;
  g_autoptr (RadioImage) ref = random_image (w, h, 77);
  guint8 rgba[6 * 4 * 4];
  gchar *path = fx_path (fx, "rgba.png");
  RadioImage *image;
  guint i;

  (void) data;
  for (i = 0; i < w * h; i++) {
    memcpy (rgba + 4 * i, ref->pixels + 3 * i, 3);
    rgba[4 * i + 3] = i * 10;   /* alpha must simply be dropped */
  }
  write_png_raw (path, w, h, PNG_COLOR_TYPE_RGB_ALPHA, 8,
      PNG_INTERLACE_NONE, rgba, NULL, 0, NULL, 0);
  image = load_ok (path);
  assert_images_equal (ref, image);
  radio_image_free (image);
  g_free (path);
}

static void
test_png_16bit (Fixture *fx, gconstpointer data)
{
  const guint w = 5, h = 3;
  g_autoptr (RadioImage) ref = random_image (w, h, 99);
  guint8 rgb16[5 * 3 * 6], ga16[5 * 3 * 4];
  gchar *path = fx_path (fx, "rgb16.png");
  RadioImage *image;
  guint i;

  (void) data;
  /* k * 257 is the exact 16-bit counterpart of k, whatever the rounding. */
  for (i = 0; i < w * h * 3; i++)
    rgb16[2 * i] = rgb16[2 * i + 1] = ref->pixels[i];
  write_png_raw (path, w, h, PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE,
      rgb16, NULL, 0, NULL, 0);
  image = load_ok (path);
  assert_images_equal (ref, image);
  radio_image_free (image);

  /* Grey + alpha, 16-bit: grey is the red channel of ref. */
  for (i = 0; i < w * h; i++) {
    ga16[4 * i] = ga16[4 * i + 1] = ref->pixels[3 * i];
    ga16[4 * i + 2] = 0x12;
    ga16[4 * i + 3] = 0x34;
  }
  write_png_raw (path, w, h, PNG_COLOR_TYPE_GRAY_ALPHA, 16,
      PNG_INTERLACE_NONE, ga16, NULL, 0, NULL, 0);
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, w);
  g_assert_cmpuint (image->height, ==, h);
  for (i = 0; i < w * h * 3; i++)
    g_assert_cmpuint (image->pixels[i], ==, ref->pixels[i / 3 * 3]);
  radio_image_free (image);
  g_free (path);
}

static void
test_png_palette (Fixture *fx, gconstpointer data)
{
  static const png_color palette[] = {
    { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 10, 20, 30 },
    { 200, 100, 50 },
  };
  /* Entry 0 is fully transparent: the colour must survive anyway. */
  static const guint8 trans[] = { 0, 128 };
  /* 4-bit indices, 5 pixels per row -> 3 bytes per row. */
  static const guint8 rows[] = { 0x01, 0x23, 0x40, 0x43, 0x21, 0x00 };
  static const guint8 index[] = { 0, 1, 2, 3, 4, 4, 3, 2, 1, 0 };
  gchar *path = fx_path (fx, "palette.png");
  RadioImage *image;
  guint i;

  (void) data;
  write_png_raw (path, 5, 2, PNG_COLOR_TYPE_PALETTE, 4, PNG_INTERLACE_NONE,
      rows, palette, G_N_ELEMENTS (palette), trans, G_N_ELEMENTS (trans));
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, 5);
  g_assert_cmpuint (image->height, ==, 2);
  for (i = 0; i < 10; i++) {
    g_assert_cmpuint (image->pixels[3 * i], ==, palette[index[i]].red);
    g_assert_cmpuint (image->pixels[3 * i + 1], ==, palette[index[i]].green);
    g_assert_cmpuint (image->pixels[3 * i + 2], ==, palette[index[i]].blue);
  }
  radio_image_free (image);
  g_free (path);
}

static void
test_png_interlaced (Fixture *fx, gconstpointer data)
{
  g_autoptr (RadioImage) ref = random_image (19, 13, 5);
  gchar *path = fx_path (fx, "adam7.png");
  RadioImage *image;

  (void) data;
  write_png_raw (path, ref->width, ref->height, PNG_COLOR_TYPE_RGB, 8,
      PNG_INTERLACE_ADAM7, ref->pixels, NULL, 0, NULL, 0);
  image = load_ok (path);
  assert_images_equal (ref, image);
  radio_image_free (image);
  g_free (path);
}

/* ------------------------------------------------------------ PPM tests */

static void
test_ppm_p6 (Fixture *fx, gconstpointer data)
{
  g_autoptr (RadioImage) ref = random_image (11, 7, 42);
  /* The raster starts with a byte that looks like whitespace, to check that
   * only one byte after maxval is skipped. */
  gchar *header = g_strdup ("P6\n# a comment 12 34\n11 # w\n 7\n255\n");
  GByteArray *file = g_byte_array_new ();
  gchar *path = fx_path (fx, "p6.ppm");
  RadioImage *image;

  (void) data;
  ref->pixels[0] = '\n';
  ref->pixels[1] = ' ';
  g_byte_array_append (file, (const guint8 *) header, strlen (header));
  g_byte_array_append (file, ref->pixels, 11 * 7 * 3);
  write_file (path, file->data, file->len);
  image = load_ok (path);
  assert_images_equal (ref, image);
  radio_image_free (image);
  g_byte_array_unref (file);
  g_free (header);
  g_free (path);
}

static void
test_ppm_p6_16bit (Fixture *fx, gconstpointer data)
{
  const guint w = 9, h = 4;
  GRand *rand = g_rand_new_with_seed (7);
  guint16 samples[9 * 4 * 3];
  GByteArray *file = g_byte_array_new ();
  const char *header = "P6 9 4 65535\n";
  gchar *path = fx_path (fx, "p6-16.ppm");
  RadioImage *image;
  guint i;

  (void) data;
  g_byte_array_append (file, (const guint8 *) header, strlen (header));
  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    guint8 be[2];

    /* Include the extremes and values near rounding boundaries. */
    samples[i] = i == 0 ? 0 : i == 1 ? 65535 : i == 2 ? 128
        : g_rand_int_range (rand, 0, 65536);
    be[0] = samples[i] >> 8;
    be[1] = samples[i] & 0xff;
    g_byte_array_append (file, be, 2);
  }
  write_file (path, file->data, file->len);
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, w);
  g_assert_cmpuint (image->height, ==, h);
  for (i = 0; i < G_N_ELEMENTS (samples); i++)
    g_assert_cmpuint (image->pixels[i], ==, scale_to_8 (samples[i], 65535));
  g_assert_cmpuint (image->pixels[0], ==, 0);
  g_assert_cmpuint (image->pixels[1], ==, 255);
  g_assert_cmpuint (image->pixels[2], ==, 0);
  radio_image_free (image);
  g_rand_free (rand);
  g_byte_array_unref (file);
  g_free (path);
}

/* Writes an ASCII PPM of random samples in 0..maxval with comments and
 * uneven spacing, and checks the scaled result. */
static void
check_p3 (Fixture *fx, guint width, guint height, guint maxval)
{
  GRand *rand = g_rand_new_with_seed (maxval);
  GString *text = g_string_new ("P3\n# written by test-image\n");
  guint n = width * height * 3, i;
  guint *samples = g_new (guint, n);
  gchar *path = fx_path (fx, "p3.ppm");
  RadioImage *image;

  g_string_append_printf (text, "%u %u\n# maxval next\n%u\n", width, height,
      maxval);
  for (i = 0; i < n; i++) {
    samples[i] = i == 0 ? maxval
        : (guint) g_rand_int_range (rand, 0, maxval + 1);
    g_string_append_printf (text, "%u%s", samples[i],
        i % 7 == 6 ? "\n" : i % 5 == 0 ? "\t  " : " ");
    if (i == n / 2)
      g_string_append (text, "# comment in the raster\n");
  }
  write_file (path, text->str, text->len);
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, width);
  g_assert_cmpuint (image->height, ==, height);
  for (i = 0; i < n; i++)
    g_assert_cmpuint (image->pixels[i], ==, scale_to_8 (samples[i], maxval));
  g_assert_cmpuint (image->pixels[0], ==, 255);
  radio_image_free (image);
  g_free (path);
  g_free (samples);
  g_string_free (text, TRUE);
  g_rand_free (rand);
}

static void
test_ppm_p3 (Fixture *fx, gconstpointer data)
{
  (void) data;
  check_p3 (fx, 5, 4, 255);
  check_p3 (fx, 3, 3, 65535);
  check_p3 (fx, 4, 2, 1);
  check_p3 (fx, 6, 1, 1000);
}

/* ----------------------------------------------------------- JPEG tests */

/* Encodes with libjpeg into memory; components is 1 (grey), 3 (RGB) or 4
 * (CMYK, stored as given). */
static GBytes *
encode_jpeg (guint width, guint height, int components, const guint8 *pixels,
    int quality)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  GBytes *bytes;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE
      : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < height) {
    JSAMPROW row = (JSAMPROW) pixels
        + (gsize) cinfo.next_scanline * width * components;

    jpeg_write_scanlines (&cinfo, &row, 1);
  }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  bytes = g_bytes_new (buffer, size);
  free (buffer);
  return bytes;
}

static void
write_bytes (const char *path, GBytes *bytes, gsize size)
{
  g_assert_cmpuint (size, <=, g_bytes_get_size (bytes));
  write_file (path, g_bytes_get_data (bytes, NULL), size);
}

/* A smooth image: JPEG keeps it nearly intact at quality 100, unlike
 * noise, whose chroma the default 4:2:0 subsampling would blur. */
static RadioImage *
gradient_image (guint width, guint height)
{
  guint8 *pixels = g_malloc ((gsize) width * height * 3);
  RadioImage *image;
  guint x, y;

  for (y = 0; y < height; y++)
    for (x = 0; x < width; x++) {
      guint8 *p = pixels + (y * width + x) * 3;
      guint t = (2 * x + y) % 64;

      p[0] = x * 255 / (width - 1);
      p[1] = y * 255 / (height - 1);
      p[2] = 64 + 4 * (t < 32 ? t : 63 - t);   /* a triangle wave */
    }
  image = radio_image_new_from_data (width, height, pixels);
  g_free (pixels);
  return image;
}

static double
mean_abs_error (const guint8 *a, const guint8 *b, gsize n)
{
  double sum = 0;
  gsize i;

  for (i = 0; i < n; i++)
    sum += abs ((int) a[i] - (int) b[i]);
  return sum / n;
}

static void
test_jpeg_rgb (Fixture *fx, gconstpointer data)
{
  g_autoptr (RadioImage) ref = gradient_image (64, 48);
  GBytes *jpeg = encode_jpeg (64, 48, 3, ref->pixels, 100);
  gchar *path = fx_path (fx, "rgb.jpg");
  RadioImage *image;
  double mae;

  (void) data;
  write_bytes (path, jpeg, g_bytes_get_size (jpeg));
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, 64);
  g_assert_cmpuint (image->height, ==, 48);
  mae = mean_abs_error (ref->pixels, image->pixels, 64 * 48 * 3);
  g_test_message ("RGB JPEG mean absolute error %.3f", mae);
  g_assert_cmpfloat (mae, <, 2.0);
  radio_image_free (image);
  g_bytes_unref (jpeg);
  g_free (path);
}

static void
test_jpeg_gray (Fixture *fx, gconstpointer data)
{
  g_autoptr (RadioImage) ref = gradient_image (40, 30);
  guint8 grey[40 * 30];
  GBytes *jpeg;
  gchar *path = fx_path (fx, "gray.jpg");
  RadioImage *image;
  double sum = 0;
  guint i;

  (void) data;
  for (i = 0; i < 40 * 30; i++)
    grey[i] = ref->pixels[3 * i + 2];
  jpeg = encode_jpeg (40, 30, 1, grey, 100);
  write_bytes (path, jpeg, g_bytes_get_size (jpeg));
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, 40);
  g_assert_cmpuint (image->height, ==, 30);
  for (i = 0; i < 40 * 30; i++) {
    g_assert_cmpuint (image->pixels[3 * i], ==, image->pixels[3 * i + 1]);
    g_assert_cmpuint (image->pixels[3 * i], ==, image->pixels[3 * i + 2]);
    sum += abs ((int) image->pixels[3 * i] - (int) grey[i]);
  }
  g_assert_cmpfloat (sum / (40 * 30), <, 2.0);
  radio_image_free (image);
  g_bytes_unref (jpeg);
  g_free (path);
}

static void
test_jpeg_cmyk (Fixture *fx, gconstpointer data)
{
  /* libjpeg writes an Adobe marker for CMYK, so the loader reads the
   * stored values as inverted inks: R = C * K / 255 and so on. */
  static const guint8 stored[4] = { 200, 100, 250, 220 };
  guint8 cmyk[16 * 16 * 4];
  GBytes *jpeg;
  gchar *path = fx_path (fx, "cmyk.jpg");
  RadioImage *image;
  guint i, c;

  (void) data;
  for (i = 0; i < 16 * 16; i++)
    memcpy (cmyk + 4 * i, stored, 4);
  jpeg = encode_jpeg (16, 16, 4, cmyk, 100);
  write_bytes (path, jpeg, g_bytes_get_size (jpeg));
  image = load_ok (path);
  g_assert_cmpuint (image->width, ==, 16);
  g_assert_cmpuint (image->height, ==, 16);
  for (i = 0; i < 16 * 16; i++)
    for (c = 0; c < 3; c++)
      g_assert_cmpint (abs ((int) image->pixels[3 * i + c]
              - (int) (stored[c] * stored[3] / 255.0 + 0.5)), <=, 2);
  radio_image_free (image);
  g_bytes_unref (jpeg);
  g_free (path);
}

/* ---------------------------------------------------------- Error tests */

static void
test_error_io (Fixture *fx, gconstpointer data)
{
  gchar *missing = fx_path (fx, "no-such-file.png");
  gchar *subdir = fx_path (fx, "subdir");

  (void) data;
  load_fails (missing, RADIO_ERROR_IO);
  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);
  load_fails (subdir, RADIO_ERROR_IO);
  g_free (missing);
  g_free (subdir);
}

static void
test_error_not_image (Fixture *fx, gconstpointer data)
{
  static const char text[] = "This is a text file, not an image.\n";
  static const char pgm[] = "P5 2 2 255\n\1\2\3\4";

  (void) data;
  load_bytes_fails (fx, "text.png", text, strlen (text));
  load_bytes_fails (fx, "empty.png", "", 0);
  load_bytes_fails (fx, "one-byte", "P", 1);
  load_bytes_fails (fx, "gray.pgm", pgm, sizeof (pgm) - 1);
}

static guint32
crc32_of (const guint8 *data, gsize size)
{
  guint32 crc = 0xffffffff;
  gsize i;
  int k;

  for (i = 0; i < size; i++) {
    crc ^= data[i];
    for (k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc;
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void
test_error_png (Fixture *fx, gconstpointer data)
{
  g_autoptr (RadioImage) image = random_image (32, 32, 3);
  gchar *path = fx_path (fx, "good.png");
  GError *error = NULL;
  gchar *contents;
  guint8 *bytes;
  gsize size;

  (void) data;
  g_assert_true (radio_image_save_png (image, path, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  bytes = (guint8 *) contents;
  g_assert_cmpuint (size, >, 100);

  /* Cut inside the signature's tail, the IHDR, the image data and the
   * final IEND chunk. */
  load_bytes_fails (fx, "cut-sig.png", bytes, 8);
  load_bytes_fails (fx, "cut-ihdr.png", bytes, 20);
  load_bytes_fails (fx, "cut-half.png", bytes, size / 2);
  load_bytes_fails (fx, "cut-end.png", bytes, size - 4);

  /* A flipped byte in the image data breaks the IDAT CRC. */
  bytes[size / 2] ^= 0x55;
  load_bytes_fails (fx, "bad-crc.png", bytes, size);
  bytes[size / 2] ^= 0x55;

  /* IHDR (at offset 8: length, type, width, height, ...) claiming
   * 20000x20000, with its CRC fixed so that only the size is wrong. */
  put_be32 (bytes + 16, 20000);
  put_be32 (bytes + 20, 20000);
  put_be32 (bytes + 29, crc32_of (bytes + 12, 17));
  load_bytes_fails (fx, "huge.png", bytes, size);

  g_free (contents);
  g_free (path);
}

static void
test_error_jpeg (Fixture *fx, gconstpointer data)
{
  g_autoptr (RadioImage) ref = gradient_image (64, 64);
  GBytes *jpeg = encode_jpeg (64, 64, 3, ref->pixels, 90);
  const guint8 *bytes = g_bytes_get_data (jpeg, NULL);
  gsize size = g_bytes_get_size (jpeg);
  guint8 *broken;

  (void) data;
  load_bytes_fails (fx, "magic.jpg", bytes, 3);
  load_bytes_fails (fx, "cut-header.jpg", bytes, 100);
  load_bytes_fails (fx, "cut-half.jpg", bytes, size / 2);
  load_bytes_fails (fx, "cut-end.jpg", bytes, size - 2);

  /* Garbage after the start of the file: not a valid marker sequence. */
  broken = g_memdup2 (bytes, size);
  memset (broken + 3, 0x00, 32);
  load_bytes_fails (fx, "garbage.jpg", broken, size);
  g_free (broken);
  g_bytes_unref (jpeg);
}

static void
test_error_ppm (Fixture *fx, gconstpointer data)
{
  static const char short_p6[] = "P6\n4 4\n255\n0123456789";
  static const char short_p6_16[] = "P6 1 1 256\n\0\1\0\2\0";
  static const char no_raster[] = "P6 1 1 255";
  static const char short_p3[] = "P3\n2 2\n255\n1 2 3 4 5 6 7 8 9\n";
  static const char width0[] = "P6\n0 4\n255\n";
  static const char height0[] = "P3\n4 0\n255\n";
  static const char maxval0[] = "P3 1 1 0\n0 0 0\n";
  static const char maxval_big[] = "P3 1 1 65536\n0 0 0\n";
  static const char above_max[] = "P3 1 1 100\n0 101 0\n";
  static const char above_max6[] = "P6 1 1 100\n\0\145\0";
  static const char bad_sample[] = "P3 1 1 255\n0 x 0\n";
  static const char bad_header[] = "P6 4x4 255\n";
  static const char glued[] = "P61 1 255\n\0\0\0";
  static const char no_maxval[] = "P6 4 4 # nothing else";
  static const char huge[] = "P6 100000 100000 255\n";
  static const char overflow[] = "P6 99999999999 1 255\n";

  (void) data;
  load_bytes_fails (fx, "short-p6.ppm", short_p6, sizeof (short_p6) - 1);
  load_bytes_fails (fx, "short-p6-16.ppm", short_p6_16,
      sizeof (short_p6_16) - 1);
  load_bytes_fails (fx, "no-raster.ppm", no_raster, sizeof (no_raster) - 1);
  load_bytes_fails (fx, "short-p3.ppm", short_p3, sizeof (short_p3) - 1);
  load_bytes_fails (fx, "width0.ppm", width0, sizeof (width0) - 1);
  load_bytes_fails (fx, "height0.ppm", height0, sizeof (height0) - 1);
  load_bytes_fails (fx, "maxval0.ppm", maxval0, sizeof (maxval0) - 1);
  load_bytes_fails (fx, "maxval-big.ppm", maxval_big,
      sizeof (maxval_big) - 1);
  load_bytes_fails (fx, "above-max.ppm", above_max, sizeof (above_max) - 1);
  load_bytes_fails (fx, "above-max6.ppm", above_max6,
      sizeof (above_max6) - 1);
  load_bytes_fails (fx, "bad-sample.ppm", bad_sample,
      sizeof (bad_sample) - 1);
  load_bytes_fails (fx, "bad-header.ppm", bad_header,
      sizeof (bad_header) - 1);
  load_bytes_fails (fx, "glued.ppm", glued, sizeof (glued) - 1);
  load_bytes_fails (fx, "no-maxval.ppm", no_maxval, sizeof (no_maxval) - 1);
  load_bytes_fails (fx, "huge.ppm", huge, sizeof (huge) - 1);
  load_bytes_fails (fx, "overflow.ppm", overflow, sizeof (overflow) - 1);
}

static void
test_error_save (Fixture *fx, gconstpointer data)
{
  g_autoptr (RadioImage) image = random_image (4, 4, 1);
  g_autoptr (RadioImage) empty = radio_image_new_from_data (0, 3, NULL);
  gchar *path = g_build_filename (fx->dir, "missing-dir", "out.png", NULL);
  GError *error = NULL;

  (void) data;
  g_assert_false (radio_image_save_png (image, path, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_false (radio_image_save_png (empty, path, &error));
  g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_free (path);
}

/* ----------------------------------------------------------- Misc tests */

static void
test_new_and_free (void)
{
  guint8 pixels[2 * 2 * 3] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  RadioImage *image = radio_image_new_from_data (2, 2, pixels);

  g_assert_cmpuint (image->width, ==, 2);
  g_assert_cmpuint (image->height, ==, 2);
  g_assert_true (image->pixels != pixels);
  pixels[0] = 99;   /* the image holds its own copy */
  g_assert_cmpuint (image->pixels[0], ==, 1);
  g_assert_cmpuint (image->pixels[11], ==, 12);
  radio_image_free (image);
  radio_image_free (NULL);
}

#define ADD_FX_TEST(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD_FX_TEST ("/image/png/roundtrip", test_png_roundtrip);
  ADD_FX_TEST ("/image/png/gray8", test_png_gray8);
  ADD_FX_TEST ("/image/png/gray1", test_png_gray1);
  ADD_FX_TEST ("/image/png/rgba", test_png_rgba);
  ADD_FX_TEST ("/image/png/16bit", test_png_16bit);
  ADD_FX_TEST ("/image/png/palette", test_png_palette);
  ADD_FX_TEST ("/image/png/interlaced", test_png_interlaced);
  ADD_FX_TEST ("/image/ppm/p6", test_ppm_p6);
  ADD_FX_TEST ("/image/ppm/p6-16bit", test_ppm_p6_16bit);
  ADD_FX_TEST ("/image/ppm/p3", test_ppm_p3);
  ADD_FX_TEST ("/image/jpeg/rgb", test_jpeg_rgb);
  ADD_FX_TEST ("/image/jpeg/gray", test_jpeg_gray);
  ADD_FX_TEST ("/image/jpeg/cmyk", test_jpeg_cmyk);
  ADD_FX_TEST ("/image/error/io", test_error_io);
  ADD_FX_TEST ("/image/error/not-image", test_error_not_image);
  ADD_FX_TEST ("/image/error/png", test_error_png);
  ADD_FX_TEST ("/image/error/jpeg", test_error_jpeg);
  ADD_FX_TEST ("/image/error/ppm", test_error_ppm);
  ADD_FX_TEST ("/image/error/save", test_error_save);
  g_test_add_func ("/image/new-and-free", test_new_and_free);

  return g_test_run ();
}
