/* radio-image.h: 8-bit RGB images read from PNG, JPEG and PPM files, and
 * written as PNG (for tests and tools); class-index masks read from PNG.
 * Pixels are packed RGB, row-major, stride = 3 * width bytes, no
 * padding. */
#ifndef RADIO_IMAGE_H
#define RADIO_IMAGE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint width;
  guint height;
  guint8 *pixels; /* [height, width, 3], owned */
} RadioImage;

/* Loads a PNG, JPEG or binary/ASCII PPM (P6/P3) file, chosen by its first
 * bytes, never by the file name.  Grey, palette, 16-bit and alpha images are
 * converted to 8-bit RGB (alpha dropped).  Returns NULL and sets a
 * RADIO_ERROR_IO (cannot read) or RADIO_ERROR_IMAGE (not a supported or a
 * corrupt image) error. */
RadioImage *radio_image_load (const char *path, GError **error);

/* Wraps a copy of pixels[height, width, 3]. */
RadioImage *radio_image_new_from_data (guint width, guint height,
    const guint8 *pixels);

/* Writes an 8-bit RGB PNG. */
gboolean radio_image_save_png (const RadioImage *image, const char *path,
    GError **error);

void radio_image_free (RadioImage *image);

/* Loads a label mask: a PNG whose pixels are class indices, read raw
 * (8-bit or lower-depth greyscale, or a palette PNG whose palette entry
 * numbers are the indices; nothing is converted or scaled).  Returns the
 * indices [height, width], row-major, and sets *width and *height.  Other
 * PNG types (RGB, alpha, 16-bit) and non-PNG files are a RADIO_ERROR_IMAGE
 * error that says which type the file has. */
guint8 *radio_image_load_indices (const char *path, guint *width,
    guint *height, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RadioImage, radio_image_free)

G_END_DECLS
#endif /* RADIO_IMAGE_H */
