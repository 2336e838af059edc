/* radio-safetensors.h: a validating reader and a writer for the safetensors
 * format (8-byte little-endian header length N, N bytes of JSON mapping
 * tensor names to {dtype, shape, data_offsets}, then the raw data).
 *
 * The reader maps the file read-only and checks every number that comes from
 * it before use: the header length, the JSON, every dtype, every shape (no
 * overflow), every offset range (inside the data area, matching dtype size x
 * element count, no overlaps).  Tensor data is returned as pointers into the
 * mapping: nothing is copied, and pointers may be unaligned.  This file knows
 * nothing about RADIO.
 */
#ifndef RADIO_SAFETENSORS_H
#define RADIO_SAFETENSORS_H

#include <glib.h>

#include "radio-cpu.h"

G_BEGIN_DECLS

#define RADIO_SAFETENSORS_MAX_DIMS 8
/* Headers larger than this are refused as corrupt (real ones are < 1 MiB). */
#define RADIO_SAFETENSORS_MAX_HEADER (100 * 1024 * 1024)

typedef struct {
  const char *name;
  RadioDType dtype;
  guint n_dims;
  gint64 shape[RADIO_SAFETENSORS_MAX_DIMS];
  guint64 n_elements;
  const guint8 *data; /* inside the mapping, possibly unaligned */
  gsize size;         /* bytes */
} RadioTensorInfo;

typedef struct _RadioSafetensors RadioSafetensors;

/* Maps and validates a file.  Errors: RADIO_ERROR_IO (cannot open/map),
 * RADIO_ERROR_FORMAT (anything malformed; the message names the file and
 * the defect). */
RadioSafetensors *radio_safetensors_open (const char *path, GError **error);
RadioSafetensors *radio_safetensors_ref (RadioSafetensors *st);
void radio_safetensors_unref (RadioSafetensors *st);

const char *radio_safetensors_get_path (RadioSafetensors *st);
gsize radio_safetensors_get_file_size (RadioSafetensors *st);
guint radio_safetensors_get_n_tensors (RadioSafetensors *st);
/* Tensors in file order of their data. */
const RadioTensorInfo *radio_safetensors_get_tensor (RadioSafetensors *st,
    guint index);
/* NULL when absent. */
const RadioTensorInfo *radio_safetensors_lookup (RadioSafetensors *st,
    const char *name);
/* A value of the optional "__metadata__" string map, NULL when absent. */
const char *radio_safetensors_get_metadata (RadioSafetensors *st,
    const char *key);

/* Formats "F32 [2, 3]" into buf. */
void radio_tensor_info_describe (const RadioTensorInfo *info, char *buf,
    gsize buf_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RadioSafetensors, radio_safetensors_unref)

/* ---- writer ------------------------------------------------------------ */

typedef struct _RadioSafetensorsWriter RadioSafetensorsWriter;

RadioSafetensorsWriter *radio_safetensors_writer_new (void);
void radio_safetensors_writer_free (RadioSafetensorsWriter *writer);
/* Copies data (n_elements(shape) * dtype size bytes).  Names must be
 * unique; returns FALSE (and adds nothing) on a duplicate name. */
gboolean radio_safetensors_writer_add (RadioSafetensorsWriter *writer,
    const char *name, RadioDType dtype, guint n_dims, const gint64 *shape,
    const void *data);
/* Takes ownership of bytes. */
gboolean radio_safetensors_writer_add_bytes (RadioSafetensorsWriter *writer,
    const char *name, RadioDType dtype, guint n_dims, const gint64 *shape,
    GBytes *bytes);
void radio_safetensors_writer_set_metadata (RadioSafetensorsWriter *writer,
    const char *key, const char *value);
/* Writes to path.tmp then renames, so readers never see half a file. */
gboolean radio_safetensors_writer_save (RadioSafetensorsWriter *writer,
    const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RadioSafetensorsWriter,
    radio_safetensors_writer_free)

G_END_DECLS
#endif /* RADIO_SAFETENSORS_H */
