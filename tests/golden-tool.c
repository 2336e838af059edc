/* golden-tool: helper for the radio-embed end-to-end test.
 *
 *   golden-tool export-png CASE.safetensors OUT.png
 *       writes the case's U8 [H, W, 3] `image` tensor as a PNG file
 *   golden-tool compare FEATURES.safetensors CASE.safetensors [PREFIX]
 *       checks every reference output of the case (summary, spatial,
 *       adaptor.*) against tensor PREFIX+name of radio-embed's output:
 *       same element count, max |out - ref| <= 1e-4 * std(ref)
 *   golden-tool has FEATURES.safetensors NAME [DIMS]
 *       checks that the tensor exists (and its shape, e.g. "4,6,64")
 * Exit status 0 on success, 1 with a message on stderr otherwise. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "radio-image.h"
#include "radio-safetensors.h"
#include "test-util.h"

static int
export_png (const char *case_path, const char *out_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioSafetensors) st = radio_safetensors_open (case_path,
      &error);
  g_autoptr (RadioImage) image = NULL;
  const RadioTensorInfo *t;

  if (!st) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  t = radio_safetensors_lookup (st, "image");
  if (!t || t->dtype != RADIO_DTYPE_U8 || t->n_dims != 3 || t->shape[2] != 3) {
    g_printerr ("%s: no U8 [H, W, 3] image tensor\n", case_path);
    return 1;
  }
  image = radio_image_new_from_data ((guint) t->shape[1],
      (guint) t->shape[0], t->data);
  if (!radio_image_save_png (image, out_path, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  return 0;
}

static gboolean
compare_tensor (const RadioTensorInfo *out, const RadioTensorInfo *ref)
{
  double max_err, std, ratio;

  if (out->dtype != RADIO_DTYPE_F32 || out->n_elements != ref->n_elements
      || ref->n_elements == 0) {
    g_printerr ("%s: dtype or size differs from the reference\n", out->name);
    return FALSE;
  }
  ratio = radio_test_error_ratio (out->data, ref->data, ref->n_elements,
      &max_err, &std);
  g_print ("%-28s max|err| / std(ref) = %.3g\n", out->name, ratio);
  if (!(ratio <= RADIO_TEST_F32_TOLERANCE)) {
    g_printerr ("%s: max error %g exceeds %g * std(ref) = %g\n", out->name,
        max_err, RADIO_TEST_F32_TOLERANCE, RADIO_TEST_F32_TOLERANCE * std);
    return FALSE;
  }
  return TRUE;
}

static int
compare (const char *features, const char *case_path, const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioSafetensors) out = radio_safetensors_open (features,
      &error);
  g_autoptr (RadioSafetensors) ref = NULL;
  guint i, checked = 0;
  gboolean ok = TRUE;

  if (out)
    ref = radio_safetensors_open (case_path, &error);
  if (!ref) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  for (i = 0; i < radio_safetensors_get_n_tensors (ref); i++) {
    const RadioTensorInfo *r = radio_safetensors_get_tensor (ref, i);
    g_autofree char *name = NULL;
    const RadioTensorInfo *o;

    if (strcmp (r->name, "image") == 0)
      continue;
    name = g_strconcat (prefix, r->name, NULL);
    o = radio_safetensors_lookup (out, name);
    if (!o) {
      g_printerr ("%s: no tensor '%s'\n", features, name);
      ok = FALSE;
      continue;
    }
    ok = compare_tensor (o, r) && ok;
    checked++;
  }
  if (checked < 2) {
    g_printerr ("%s: too few outputs compared\n", features);
    return 1;
  }
  return ok ? 0 : 1;
}

static int
has (const char *features, const char *name, const char *dims)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RadioSafetensors) st = radio_safetensors_open (features, &error);
  const RadioTensorInfo *t;
  GString *shape;
  guint i;
  int status;

  if (!st) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  t = radio_safetensors_lookup (st, name);
  if (!t) {
    g_printerr ("%s: no tensor '%s'\n", features, name);
    return 1;
  }
  shape = g_string_new (NULL);
  for (i = 0; i < t->n_dims; i++)
    g_string_append_printf (shape, "%s%" G_GINT64_FORMAT, i ? "," : "",
        t->shape[i]);
  status = dims && strcmp (dims, shape->str) != 0;
  if (status)
    g_printerr ("%s: '%s' has shape %s, expected %s\n", features, name,
        shape->str, dims);
  g_string_free (shape, TRUE);
  return status;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "export-png") == 0)
    return export_png (argv[2], argv[3]);
  if ((argc == 4 || argc == 5) && strcmp (argv[1], "compare") == 0)
    return compare (argv[2], argv[3], argc == 5 ? argv[4] : "");
  if ((argc == 4 || argc == 5) && strcmp (argv[1], "has") == 0)
    return has (argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  g_printerr ("usage: golden-tool export-png CASE OUT.png | compare "
      "FEATURES CASE [PREFIX] | has FEATURES NAME [DIMS]\n");
  return 2;
}
