/* radio-image.c: decodes PNG, JPEG and PPM (P6/P3) files into packed 8-bit
 * RGB images and encodes such images as PNG.  Files are read into memory
 * whole and decoded from there; every failure becomes a RADIO_ERROR. */
#include "radio-image.h"
#include "radio-error.h"

#include <setjmp.h>
/* Before jpeglib.h, which uses FILE and size_t without including them. */
#include <stdio.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

/* Largest accepted image, in pixels (768 MiB of RGB).  Headers claiming more
 * are far more likely corrupt or hostile than real, and refusing them keeps
 * a bad file from making us attempt a huge allocation. */
#define RADIO_IMAGE_MAX_PIXELS (G_GUINT64_CONSTANT (1) << 28)

/* Room for a decoder's own error text; libpng and libjpeg messages are
 * short (JMSG_LENGTH_MAX is 200). */
#define DECODER_MESSAGE_MAX 256

static void
set_image_error (GError **error, const char *path, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
set_image_error (GError **error, const char *path, const char *format, ...)
{
  va_list args;
  gchar *detail;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, RADIO_ERROR, RADIO_ERROR_IMAGE,
      "Cannot load image %s: %s", path, detail);
  g_free (detail);
}

static gboolean
check_dimensions (guint64 width, guint64 height, const char *path,
    GError **error)
{
  if (width == 0 || height == 0) {
    set_image_error (error, path, "invalid size %" G_GUINT64_FORMAT "x%"
        G_GUINT64_FORMAT, width, height);
    return FALSE;
  }
  /* Both factors are at most 2^32 here, so the product cannot wrap. */
  if (width > G_MAXUINT32 || height > G_MAXUINT32
      || width * height > RADIO_IMAGE_MAX_PIXELS) {
    set_image_error (error, path, "size %" G_GUINT64_FORMAT "x%"
        G_GUINT64_FORMAT " exceeds the limit of %" G_GUINT64_FORMAT
        " pixels", width, height, RADIO_IMAGE_MAX_PIXELS);
    return FALSE;
  }
  return TRUE;
}

/* Allocates the pixel buffer of a checked size without aborting: the size
 * comes from the file, and a failed allocation should be a plain error. */
static guint8 *
alloc_pixels (guint width, guint height, const char *path, GError **error)
{
  guint8 *pixels = g_try_malloc ((gsize) width * height * 3);

  if (pixels == NULL)
    set_image_error (error, path, "out of memory for %ux%u pixels", width,
        height);
  return pixels;
}

static RadioImage *
image_wrap (guint width, guint height, guint8 *pixels)
{
  RadioImage *image = g_new0 (RadioImage, 1);

  image->width = width;
  image->height = height;
  image->pixels = pixels;
  return image;
}

RadioImage *
radio_image_new_from_data (guint width, guint height, const guint8 *pixels)
{
  gsize size;

  g_return_val_if_fail (height == 0 || width <= G_MAXSIZE / 3 / height,
      NULL);
  size = (gsize) width * height * 3;
  g_return_val_if_fail (pixels != NULL || size == 0, NULL);

  return image_wrap (width, height, g_memdup2 (pixels, size));
}

void
radio_image_free (RadioImage *image)
{
  if (image == NULL)
    return;
  g_free (image->pixels);
  g_free (image);
}

/* ------------------------------------------------------------------ PNG */

/* libpng reports errors by longjmp back to a setjmp.  Locals of the
 * function calling setjmp that change afterwards are indeterminate after
 * the jump unless volatile, so that function does nothing but setjmp and
 * call the real work, and whatever must outlive a jump (buffers to free,
 * the error text) lives in this struct in the caller's frame. */
typedef struct {
  png_structp png;
  png_infop info;
  const guint8 *data;
  gsize size;
  gsize offset;
  guint8 *pixels;
  png_bytep *rows;
  guint width;
  guint height;
  char message[DECODER_MESSAGE_MAX];
} PngDecoder;

/* The error pointer of both the read and the write struct is the
 * DECODER_MESSAGE_MAX bytes message buffer of their state. */
static void
png_error_cb (png_structp png, png_const_charp message)
{
  char *buffer = png_get_error_ptr (png);

  g_strlcpy (buffer, message, DECODER_MESSAGE_MAX);
  png_longjmp (png, 1);
}

static void
png_warning_cb (png_structp png, png_const_charp message)
{
  (void) png;
  g_debug ("libpng warning: %s", message);
}

static void
png_read_cb (png_structp png, png_bytep out, png_size_t length)
{
  PngDecoder *dec = png_get_io_ptr (png);

  if (length > dec->size - dec->offset)
    png_error (png, "file is truncated");
  memcpy (out, dec->data + dec->offset, length);
  dec->offset += length;
}

/* The first steps of both decoders: reads the header, checks the size. */
static gboolean
png_read_header (PngDecoder *dec, const char *path, png_uint_32 *width,
    png_uint_32 *height, GError **error)
{
  png_set_read_fn (dec->png, dec, png_read_cb);
  png_read_info (dec->png, dec->info);

  *width = png_get_image_width (dec->png, dec->info);
  *height = png_get_image_height (dec->png, dec->info);
  return check_dimensions (*width, *height, path, error);
}

/* The last steps of both decoders: reads the image into dec->pixels,
 * height rows of row_bytes each, and the chunks after it. */
static gboolean
png_read_pixels (PngDecoder *dec, png_uint_32 width, png_uint_32 height,
    gsize row_bytes, const char *path, GError **error)
{
  png_uint_32 y;

  dec->rows = g_try_new (png_bytep, height);
  if (dec->rows == NULL) {
    set_image_error (error, path, "out of memory");
    return FALSE;
  }
  for (y = 0; y < height; y++)
    dec->rows[y] = dec->pixels + (gsize) y * row_bytes;

  png_read_image (dec->png, dec->rows);
  /* Reading through IEND also checks the trailing chunks' CRCs, so a file
   * cut after its image data still counts as truncated. */
  png_read_end (dec->png, NULL);

  dec->width = width;
  dec->height = height;
  return TRUE;
}

static gboolean
png_decode_steps (PngDecoder *dec, const char *path, GError **error)
{
  png_uint_32 width, height;

  if (!png_read_header (dec, path, &width, &height, error))
    return FALSE;

  /* Any PNG to 8-bit RGB: palette and low-depth grey are expanded, tRNS
   * becomes alpha and is then dropped together with real alpha, grey is
   * replicated.  Gamma is left alone: the stored values are what the
   * model sees elsewhere too. */
  png_set_expand (dec->png);
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
  /* Rounds 16-bit samples to nearest instead of truncating them. */
  png_set_scale_16 (dec->png);
#else
  png_set_strip_16 (dec->png);
#endif
  png_set_strip_alpha (dec->png);
  png_set_gray_to_rgb (dec->png);
  png_set_interlace_handling (dec->png);
  png_read_update_info (dec->png, dec->info);

  if (png_get_bit_depth (dec->png, dec->info) != 8
      || png_get_channels (dec->png, dec->info) != 3
      || png_get_rowbytes (dec->png, dec->info) != (gsize) width * 3) {
    set_image_error (error, path, "PNG could not be converted to 8-bit RGB");
    return FALSE;
  }

  dec->pixels = alloc_pixels (width, height, path, error);
  if (dec->pixels == NULL)
    return FALSE;
  return png_read_pixels (dec, width, height, (gsize) width * 3, path, error);
}

/* One way of reading the image out of an initialised decoder:
 * png_decode_steps (8-bit RGB) or png_decode_indices_steps (raw
 * indices).  libpng errors longjmp out of it. */
typedef gboolean (*PngDecodeSteps) (PngDecoder *dec, const char *path,
    GError **error);

/* Runs steps on dec; on failure either sets error or leaves libpng's
 * message in dec->message and returns FALSE with error unset. */
static gboolean
png_decode (PngDecoder *dec, PngDecodeSteps steps, const char *path,
    GError **error)
{
  if (setjmp (png_jmpbuf (dec->png)))
    return FALSE;
  return steps (dec, path, error);
}

/* Sets dec up to read the size bytes at data and decodes them with steps;
 * on success dec->pixels, dec->width and dec->height hold the result.
 * Whatever the outcome, png_decoder_clear (dec) must follow. */
static gboolean
png_decoder_run (PngDecoder *dec, const guint8 *data, gsize size,
    PngDecodeSteps steps, const char *path, GError **error)
{
  GError *local_error = NULL;

  dec->data = data;
  dec->size = size;
  dec->png = png_create_read_struct (PNG_LIBPNG_VER_STRING, dec->message,
      png_error_cb, png_warning_cb);
  if (dec->png != NULL)
    dec->info = png_create_info_struct (dec->png);
  if (dec->png == NULL || dec->info == NULL) {
    set_image_error (error, path, "cannot initialise libpng");
    return FALSE;
  }

  if (png_decode (dec, steps, path, &local_error))
    return TRUE;
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  else
    set_image_error (error, path, "corrupt PNG: %s", dec->message);
  return FALSE;
}

static void
png_decoder_clear (PngDecoder *dec)
{
  png_destroy_read_struct (&dec->png, &dec->info, NULL);
  g_free (dec->rows);
  g_free (dec->pixels);
}

static RadioImage *
load_png (const guint8 *data, gsize size, const char *path, GError **error)
{
  PngDecoder dec = { 0, };
  RadioImage *image = NULL;

  if (png_decoder_run (&dec, data, size, png_decode_steps, path, error)) {
    image = image_wrap (dec.width, dec.height, dec.pixels);
    dec.pixels = NULL;
  }
  png_decoder_clear (&dec);
  return image;
}

/* Label masks keep the stored sample values: a palette PNG's values are
 * palette entry numbers and a grey PNG's are grey levels, and either is
 * the class index.  Expanding the palette or scaling low bit depths (as
 * png_decode_steps does) would turn the indices into colours. */
static gboolean
png_decode_indices_steps (PngDecoder *dec, const char *path, GError **error)
{
  png_uint_32 width, height;
  int color_type, depth;

  if (!png_read_header (dec, path, &width, &height, error))
    return FALSE;
  color_type = png_get_color_type (dec->png, dec->info);
  depth = png_get_bit_depth (dec->png, dec->info);
  if ((color_type != PNG_COLOR_TYPE_GRAY
          && color_type != PNG_COLOR_TYPE_PALETTE) || depth > 8) {
    set_image_error (error, path, "a label mask must be an 8-bit greyscale "
        "or palette PNG holding one class index per pixel, not %d-bit %s",
        depth, color_type == PNG_COLOR_TYPE_RGB ? "RGB"
        : color_type == PNG_COLOR_TYPE_RGB_ALPHA ? "RGBA"
        : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? "grey with alpha"
        : color_type == PNG_COLOR_TYPE_GRAY ? "greyscale" : "palette");
    return FALSE;
  }
  /* 1, 2 and 4-bit samples become one byte each, values unchanged. */
  png_set_packing (dec->png);
  png_set_interlace_handling (dec->png);
  png_read_update_info (dec->png, dec->info);
  if (png_get_bit_depth (dec->png, dec->info) != 8
      || png_get_channels (dec->png, dec->info) != 1
      || png_get_rowbytes (dec->png, dec->info) != (gsize) width) {
    set_image_error (error, path, "PNG could not be read as 8-bit indices");
    return FALSE;
  }

  dec->pixels = g_try_malloc ((gsize) width * height);
  if (dec->pixels == NULL) {
    set_image_error (error, path, "out of memory for %ux%u pixels", width,
        height);
    return FALSE;
  }
  return png_read_pixels (dec, width, height, width, path, error);
}

guint8 *
radio_image_load_indices (const char *path, guint *width, guint *height,
    GError **error)
{
  static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
    0x1a, '\n' };
  g_autofree gchar *contents = NULL;
  PngDecoder dec = { 0, };
  GError *local_error = NULL;
  guint8 *indices = NULL;
  gsize size = 0;

  g_return_val_if_fail (path != NULL && width != NULL && height != NULL,
      NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &size, &local_error)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO, "Cannot read mask: %s",
        local_error->message);
    g_error_free (local_error);
    return NULL;
  }
  if (size < sizeof (png_magic) || memcmp (contents, png_magic,
          sizeof (png_magic)) != 0) {
    set_image_error (error, path, "a label mask must be a PNG file");
    return NULL;
  }

  if (png_decoder_run (&dec, (const guint8 *) contents, size,
          png_decode_indices_steps, path, error)) {
    indices = g_steal_pointer (&dec.pixels);
    *width = dec.width;
    *height = dec.height;
  }
  png_decoder_clear (&dec);
  return indices;
}

/* Laid out for setjmp as PngDecoder is. */
typedef struct {
  png_structp png;
  png_infop info;
  GByteArray *out;
  char message[DECODER_MESSAGE_MAX];
} PngEncoder;

static void
png_write_cb (png_structp png, png_bytep data, png_size_t length)
{
  PngEncoder *enc = png_get_io_ptr (png);

  g_byte_array_append (enc->out, data, length);
}

static void
png_flush_cb (png_structp png)
{
  (void) png;
  /* Everything goes to memory; the file is written in one go later. */
}

static void
png_encode_steps (PngEncoder *enc, const RadioImage *image)
{
  guint y;

  png_set_write_fn (enc->png, enc, png_write_cb, png_flush_cb);
  png_set_IHDR (enc->png, enc->info, image->width, image->height, 8,
      PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
      PNG_FILTER_TYPE_DEFAULT);
  png_write_info (enc->png, enc->info);
  for (y = 0; y < image->height; y++)
    png_write_row (enc->png,
        image->pixels + (gsize) y * image->width * 3);
  png_write_end (enc->png, enc->info);
}

static gboolean
png_encode (PngEncoder *enc, const RadioImage *image)
{
  if (setjmp (png_jmpbuf (enc->png)))
    return FALSE;
  png_encode_steps (enc, image);
  return TRUE;
}

gboolean
radio_image_save_png (const RadioImage *image, const char *path,
    GError **error)
{
  PngEncoder enc = { 0, };
  GError *local_error = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (image->width == 0 || image->height == 0 || image->pixels == NULL) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT,
        "Cannot write %s: a PNG cannot hold an empty %ux%u image", path,
        image->width, image->height);
    return FALSE;
  }

  enc.out = g_byte_array_new ();
  enc.png = png_create_write_struct (PNG_LIBPNG_VER_STRING, enc.message,
      png_error_cb, png_warning_cb);
  if (enc.png != NULL)
    enc.info = png_create_info_struct (enc.png);
  if (enc.png == NULL || enc.info == NULL) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IMAGE,
        "Cannot write %s: cannot initialise libpng", path);
    goto out;
  }

  /* Encoding to memory first means a libpng failure never leaves a
   * half-written file behind. */
  if (!png_encode (&enc, image)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IMAGE,
        "Cannot write %s: PNG encoding failed: %s", path, enc.message);
    goto out;
  }

  if (!g_file_set_contents_full (path, (const gchar *) enc.out->data,
          enc.out->len, G_FILE_SET_CONTENTS_NONE, 0666, &local_error)) {
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO, "Cannot write %s: %s",
        path, local_error->message);
    g_clear_error (&local_error);
    goto out;
  }
  ok = TRUE;

out:
  png_destroy_write_struct (&enc.png, &enc.info);
  g_byte_array_unref (enc.out);
  return ok;
}

/* ----------------------------------------------------------------- JPEG */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
} JpegErrorManager;

/* Laid out for setjmp as PngDecoder is. */
typedef struct {
  struct jpeg_decompress_struct cinfo;
  JpegErrorManager err;
  guint8 *pixels;
  guint8 *row;
  char message[JMSG_LENGTH_MAX];
} JpegDecoder;

static void
jpeg_error_exit_cb (j_common_ptr cinfo)
{
  JpegErrorManager *err = (JpegErrorManager *) cinfo->err;
  JpegDecoder *dec = cinfo->client_data;

  /* The default handler prints and calls exit(); keep the text and unwind
   * to the decoder instead. */
  (*cinfo->err->format_message) (cinfo, dec->message);
  longjmp (err->jump, 1);
}

static void
jpeg_emit_message_cb (j_common_ptr cinfo, int msg_level)
{
  char buffer[JMSG_LENGTH_MAX];

  if (msg_level >= 0)
    return;           /* trace messages */

  /* At the end of its buffer the memory source warns and feeds a fake EOI,
   * which would hand back a partly grey image as if all were well. */
  if (cinfo->err->msg_code == JWRN_JPEG_EOF)
    jpeg_error_exit_cb (cinfo);

  /* Other warnings (junk between markers, bad restart markers) are common
   * in real files that still decode usefully. */
  cinfo->err->num_warnings++;
  (*cinfo->err->format_message) (cinfo, buffer);
  g_debug ("libjpeg warning: %s", buffer);
}

static void
jpeg_output_message_cb (j_common_ptr cinfo)
{
  char buffer[JMSG_LENGTH_MAX];

  (*cinfo->err->format_message) (cinfo, buffer);
  g_debug ("libjpeg: %s", buffer);
}

/* Four-component JPEGs are CMYK, or YCCK that libjpeg turns into CMYK.
 * Adobe applications store them inverted (0 = full ink), and they are
 * the ones that write the APP14 marker, so that marker decides.  This is
 * a naive conversion without colour management. */
static void
cmyk_row_to_rgb (const guint8 *in, guint8 *out, guint width, gboolean inverted)
{
  guint x, c;

  for (x = 0; x < width; x++, in += 4, out += 3) {
    guint k = inverted ? in[3] : 255 - in[3];

    for (c = 0; c < 3; c++) {
      guint v = inverted ? in[c] : 255 - in[c];

      out[c] = (v * k + 127) / 255;
    }
  }
}

static gboolean
jpeg_decode_steps (JpegDecoder *dec, const guint8 *data, gsize size,
    const char *path, GError **error)
{
  struct jpeg_decompress_struct *cinfo = &dec->cinfo;
  guint width, height, components, x;
  gboolean inverted;

  jpeg_create_decompress (cinfo);
  jpeg_mem_src (cinfo, data, size);
  jpeg_read_header (cinfo, TRUE);

  if (!check_dimensions (cinfo->image_width, cinfo->image_height, path,
          error))
    return FALSE;

  switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
      /* Plain libjpeg cannot convert grey to RGB; replicate below. */
      cinfo->out_color_space = JCS_GRAYSCALE;
      components = 1;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo->out_color_space = JCS_CMYK;
      components = 4;
      break;
    default:
      cinfo->out_color_space = JCS_RGB;
      components = 3;
      break;
  }
  inverted = cinfo->saw_Adobe_marker;

  jpeg_start_decompress (cinfo);
  width = cinfo->output_width;
  height = cinfo->output_height;
  if ((guint) cinfo->output_components != components) {
    set_image_error (error, path, "JPEG decodes to %d components, not %u",
        cinfo->output_components, components);
    return FALSE;
  }

  dec->pixels = alloc_pixels (width, height, path, error);
  if (dec->pixels == NULL)
    return FALSE;
  if (components != 3) {
    dec->row = g_try_malloc ((gsize) width * components);
    if (dec->row == NULL) {
      set_image_error (error, path, "out of memory");
      return FALSE;
    }
  }

  while (cinfo->output_scanline < height) {
    guint8 *out = dec->pixels + (gsize) cinfo->output_scanline * width * 3;
    JSAMPROW row = components == 3 ? out : dec->row;

    if (jpeg_read_scanlines (cinfo, &row, 1) != 1) {
      /* Only a suspending source returns short; ours never does. */
      set_image_error (error, path, "JPEG data ended early");
      return FALSE;
    }
    if (components == 1) {
      for (x = 0; x < width; x++)
        out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = dec->row[x];
    } else if (components == 4) {
      cmyk_row_to_rgb (dec->row, out, width, inverted);
    }
  }

  jpeg_finish_decompress (cinfo);
  return TRUE;
}

/* Runs libjpeg on dec; on failure either sets error or leaves libjpeg's
 * message in dec->message and returns FALSE with error unset. */
static gboolean
jpeg_decode (JpegDecoder *dec, const guint8 *data, gsize size,
    const char *path, GError **error)
{
  if (setjmp (dec->err.jump))
    return FALSE;
  return jpeg_decode_steps (dec, data, size, path, error);
}

static RadioImage *
load_jpeg (const guint8 *data, gsize size, const char *path, GError **error)
{
  JpegDecoder dec;
  GError *local_error = NULL;
  RadioImage *image = NULL;

  /* Zeroed so that jpeg_destroy_decompress is a no-op if creation itself
   * failed (it only acts on a non-NULL cinfo.mem). */
  memset (&dec, 0, sizeof (dec));
  dec.cinfo.err = jpeg_std_error (&dec.err.pub);
  dec.err.pub.error_exit = jpeg_error_exit_cb;
  dec.err.pub.emit_message = jpeg_emit_message_cb;
  dec.err.pub.output_message = jpeg_output_message_cb;
  /* The error callbacks find the decoder here; jpeg_create_decompress
   * keeps client_data. */
  dec.cinfo.client_data = &dec;

  if (size > G_MAXULONG) {
    /* jpeg_mem_src takes an unsigned long, narrower than gsize on some
     * platforms. */
    set_image_error (error, path, "JPEG file is too large");
    return NULL;
  }

  if (jpeg_decode (&dec, data, size, path, &local_error)) {
    image = image_wrap (dec.cinfo.output_width, dec.cinfo.output_height,
        dec.pixels);
    dec.pixels = NULL;
  } else if (local_error != NULL) {
    g_propagate_error (error, local_error);
  } else {
    set_image_error (error, path, "corrupt JPEG: %s", dec.message);
  }

  jpeg_destroy_decompress (&dec.cinfo);
  g_free (dec.row);
  g_free (dec.pixels);
  return image;
}

/* ------------------------------------------------------------------ PPM */

typedef struct {
  const guint8 *data;
  gsize size;
  gsize pos;
} PpmReader;

static gboolean
ppm_is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f'
      || c == '\r';
}

/* Skips whitespace and '#' comments (which run to the end of the line). */
static void
ppm_skip_space (PpmReader *r)
{
  while (r->pos < r->size) {
    guint8 c = r->data[r->pos];

    if (c == '#') {
      while (r->pos < r->size && r->data[r->pos] != '\n'
          && r->data[r->pos] != '\r')
        r->pos++;
    } else if (ppm_is_space (c)) {
      r->pos++;
    } else {
      break;
    }
  }
}

typedef enum {
  PPM_NUMBER_OK,
  PPM_NUMBER_EOF,
  PPM_NUMBER_INVALID,
} PpmNumberResult;

/* Parses a decimal number after optional whitespace and comments; it must
 * end at whitespace, a comment or the end of the data.  Values above
 * G_MAXUINT32 are reported as invalid. */
static PpmNumberResult
ppm_read_number (PpmReader *r, guint32 *value)
{
  guint64 v = 0;
  gsize start;

  ppm_skip_space (r);
  if (r->pos >= r->size)
    return PPM_NUMBER_EOF;

  start = r->pos;
  while (r->pos < r->size && g_ascii_isdigit (r->data[r->pos])) {
    v = v * 10 + (r->data[r->pos] - '0');
    if (v > G_MAXUINT32)
      return PPM_NUMBER_INVALID;
    r->pos++;
  }
  if (r->pos == start)
    return PPM_NUMBER_INVALID;
  if (r->pos < r->size && !ppm_is_space (r->data[r->pos])
      && r->data[r->pos] != '#')
    return PPM_NUMBER_INVALID;

  *value = (guint32) v;
  return PPM_NUMBER_OK;
}

static gboolean
ppm_header_number (PpmReader *r, const char *what, guint32 *value,
    const char *path, GError **error)
{
  switch (ppm_read_number (r, value)) {
    case PPM_NUMBER_OK:
      return TRUE;
    case PPM_NUMBER_EOF:
      set_image_error (error, path, "PPM header is truncated before the %s",
          what);
      return FALSE;
    case PPM_NUMBER_INVALID:
    default:
      set_image_error (error, path, "PPM header has an invalid %s", what);
      return FALSE;
  }
}

/* Maps 0..maxval to 0..255, rounding to nearest. */
static inline guint8
ppm_scale (guint32 v, guint32 maxval)
{
  return (guint8) ((v * 255 + maxval / 2) / maxval);
}

static RadioImage *
load_ppm (const guint8 *data, gsize size, const char *path, GError **error)
{
  PpmReader r = { data, size, 2 };
  gboolean binary = data[1] == '6';
  guint32 width, height, maxval, v;
  guint8 *pixels;
  gsize n_samples, i;

  if (size > 2 && !ppm_is_space (data[2]) && data[2] != '#') {
    set_image_error (error, path, "PPM magic number is not followed by "
        "whitespace");
    return NULL;
  }
  if (!ppm_header_number (&r, "width", &width, path, error)
      || !ppm_header_number (&r, "height", &height, path, error)
      || !ppm_header_number (&r, "maximum value", &maxval, path, error))
    return NULL;
  if (!check_dimensions (width, height, path, error))
    return NULL;
  if (maxval == 0 || maxval > 65535) {
    set_image_error (error, path, "PPM maximum value %u is not in 1..65535",
        maxval);
    return NULL;
  }
  n_samples = (gsize) width * height * 3;

  if (binary) {
    /* Exactly one whitespace byte separates the header from the raster,
     * which may itself start with bytes that look like whitespace. */
    gsize bytes_per_sample = maxval > 255 ? 2 : 1;
    gsize needed = n_samples * bytes_per_sample;
    const guint8 *raster;

    if (r.pos >= size || !ppm_is_space (data[r.pos])) {
      set_image_error (error, path, "PPM header is not followed by pixel "
          "data");
      return NULL;
    }
    r.pos++;
    if (size - r.pos < needed) {
      set_image_error (error, path, "PPM pixel data is truncated (%"
          G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes)", size - r.pos,
          needed);
      return NULL;
    }

    pixels = alloc_pixels (width, height, path, error);
    if (pixels == NULL)
      return NULL;
    raster = data + r.pos;
    for (i = 0; i < n_samples; i++) {
      v = bytes_per_sample == 2
          ? (guint32) raster[2 * i] << 8 | raster[2 * i + 1] : raster[i];
      if (v > maxval) {
        set_image_error (error, path, "PPM sample %u exceeds the maximum "
            "value %u", v, maxval);
        g_free (pixels);
        return NULL;
      }
      pixels[i] = maxval == 255 ? (guint8) v : ppm_scale (v, maxval);
    }
    return image_wrap (width, height, pixels);
  }

  pixels = alloc_pixels (width, height, path, error);
  if (pixels == NULL)
    return NULL;
  for (i = 0; i < n_samples; i++) {
    switch (ppm_read_number (&r, &v)) {
      case PPM_NUMBER_OK:
        break;
      case PPM_NUMBER_EOF:
        set_image_error (error, path, "PPM pixel data is truncated (%"
            G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " samples)", i, n_samples);
        g_free (pixels);
        return NULL;
      case PPM_NUMBER_INVALID:
      default:
        set_image_error (error, path, "PPM sample %" G_GSIZE_FORMAT
            " is not a valid number", i);
        g_free (pixels);
        return NULL;
    }
    if (v > maxval) {
      set_image_error (error, path, "PPM sample %u exceeds the maximum "
          "value %u", v, maxval);
      g_free (pixels);
      return NULL;
    }
    pixels[i] = ppm_scale (v, maxval);
  }
  return image_wrap (width, height, pixels);
}

/* ---------------------------------------------------------------- Entry */

RadioImage *
radio_image_load (const char *path, GError **error)
{
  static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
    0x1a, '\n' };
  gchar *contents = NULL;
  gsize size = 0;
  GError *local_error = NULL;
  const guint8 *data;
  RadioImage *image = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &size, &local_error)) {
    /* GLib's message already names the file and the system's reason. */
    g_set_error (error, RADIO_ERROR, RADIO_ERROR_IO, "Cannot read image: %s",
        local_error->message);
    g_error_free (local_error);
    return NULL;
  }
  data = (const guint8 *) contents;

  if (size >= sizeof (png_magic)
      && memcmp (data, png_magic, sizeof (png_magic)) == 0) {
    image = load_png (data, size, path, error);
  } else if (size >= 3 && data[0] == 0xff && data[1] == 0xd8
      && data[2] == 0xff) {
    image = load_jpeg (data, size, path, error);
  } else if (size >= 2 && data[0] == 'P' && (data[1] == '6'
          || data[1] == '3')) {
    image = load_ppm (data, size, path, error);
  } else if (size >= 2 && data[0] == 'P' && data[1] >= '1'
      && data[1] <= '7') {
    set_image_error (error, path, "Netpbm format P%c is not supported "
        "(only P6 and P3 PPM are)", data[1]);
  } else if (size == 0) {
    set_image_error (error, path, "file is empty");
  } else {
    set_image_error (error, path, "not a PNG, JPEG or PPM file");
  }

  g_free (contents);
  return image;
}
