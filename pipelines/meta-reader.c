/* meta-reader.c: reads the features that the `radio` element attaches to
 * video buffers, as an application does: through the public header
 * <gst/radio/radiometa.h> and pkg-config, nothing else of gst-radio.
 *
 * It runs
 *   videotestsrc num-buffers=FRAMES ! video/x-raw,width=320,height=240
 *     ! videoconvert ! radio ! fakesink
 * and a probe on fakesink's input prints, for each buffer, what its
 * GstRadioMeta holds: the model (whenever its id changes), the summary
 * length and L2 norm, the patch grid, the spatial vector at the centre of
 * the frame, the spatial features pooled over the middle of the frame
 * (gst_radio_meta_pool_region), and the adaptor outputs.
 *
 * Build (with gst-radio installed, or PKG_CONFIG_PATH set to a build
 * tree's meson-uninstalled folder):
 *   cc meta-reader.c -o meta-reader \
 *       $(pkg-config --cflags --libs gstreamer-radio-1.0 gstreamer-1.0) -lm
 * Run:
 *   ./meta-reader [--frames N] [--model DIR] [--adaptors LIST]
 * DIR (or $RADIO_MODEL) is a checkpoint folder such as nvidia/C-RADIOv3-B
 * downloaded from Hugging Face; without one the element runs its built-in
 * demo model, whose weights are RANDOM.  LIST names adaptor heads to
 * evaluate as well (`--adaptors demo` for the demo model).
 * Exit status: 0 when every buffer carried a meta, 1 on a pipeline error
 * (its message goes to stderr) or a buffer without meta, 2 on bad usage.
 */
#include <gst/radio/radiometa.h>
#include <math.h>

typedef struct {
  guint frames;          /* buffers seen */
  guint without_meta;    /* of which carried no GstRadioMeta */
  gchar *last_model_id;  /* to print the model once, and again on change */
} Reader;

static gdouble
l2_norm (const gfloat * v, guint n)
{
  gdouble sum = 0.0;
  guint i;

  for (i = 0; i < n; i++)
    sum += (gdouble) v[i] * v[i];
  return sqrt (sum);
}

static void
print_meta (Reader * reader, GstBuffer * buffer, const GstRadioMeta * meta)
{
  const GstRadioGeometry *g = &meta->geometry;
  gdouble gx, gy;
  guint i;

  if (g_strcmp0 (reader->last_model_id, meta->model_id) != 0) {
    g_free (reader->last_model_id);
    reader->last_model_id = g_strdup (meta->model_id);
    g_print ("model %s, id %s: %u summary token(s) x %u, patch %u, "
        "%u adaptor(s)\n", meta->model_version, meta->model_id,
        meta->n_summary_tokens, meta->embed_dim, g->patch_size,
        meta->n_adaptors);
  }

  g_print ("frame %u  t=%.3f s  ", reader->frames,
      GST_BUFFER_PTS_IS_VALID (buffer) ?
      (gdouble) GST_BUFFER_PTS (buffer) / GST_SECOND : -1.0);
  if (meta->summary)
    g_print ("summary %u norm %.4f  ", meta->summary_length,
        l2_norm (meta->summary, meta->summary_length));
  else
    g_print ("no summary  ");
  g_print ("grid %ux%u", g->grid_width, g->grid_height);

  /* The patch under the centre of the frame: frame pixels to grid cells
   * with the meta's mapping, which also holds after scaling elements. */
  if (gst_radio_meta_frame_to_grid (meta, g->frame_width / 2.0,
          g->frame_height / 2.0, &gx, &gy)) {
    const gfloat *patch = gst_radio_meta_get_patch (meta, (guint) gx,
        (guint) gy);
    if (patch)
      g_print ("  centre cell (%u,%u) norm %.4f", (guint) gx, (guint) gy,
          l2_norm (patch, meta->embed_dim));
  }

  /* One embedding for a box (here the middle half of the frame), as for a
   * detector's object: the cells under it averaged by covered area. */
  if (meta->spatial) {
    gfloat *box = g_new (gfloat, meta->embed_dim);
    if (gst_radio_meta_pool_region (meta, NULL, g->frame_width / 4.0,
            g->frame_height / 4.0, g->frame_width / 2.0,
            g->frame_height / 2.0, box, meta->embed_dim) > 0)
      g_print ("  centre box norm %.4f", l2_norm (box, meta->embed_dim));
    g_free (box);
  }

  for (i = 0; i < meta->n_adaptors; i++) {
    const GstRadioAdaptorFeatures *a = &meta->adaptors[i];
    g_print ("%s%s (summary %u, spatial %ux%ux%u)", i ? ", " : "  adaptors ",
        a->name, a->summary ? a->summary_length : 0,
        a->spatial ? a->spatial_width : 0, a->spatial ? a->spatial_height : 0,
        a->spatial ? a->spatial_dim : 0);
  }
  g_print ("\n");
}

/* Runs in the streaming thread for every buffer reaching fakesink. */
static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Reader *reader = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRadioMeta *meta = gst_buffer_get_radio_meta (buffer);

  if (meta) {
    print_meta (reader, buffer, meta);
  } else {
    g_print ("frame %u  no radio meta\n", reader->frames);
    reader->without_meta++;
  }
  reader->frames++;
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  Reader reader = { 0, 0, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autofree gchar *description = NULL;
  g_autofree gchar *model = NULL;
  g_autofree gchar *adaptors = NULL;
  gint frames = 5, status = 0;
  GstElement *pipeline, *radio, *sink;
  GstPad *pad;
  GstBus *bus;
  GstMessage *msg;
  const GOptionEntry options[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames,
        "Frames to run (default 5)", "N" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
        "RADIO checkpoint folder (default: $RADIO_MODEL, else the built-in "
        "demo model)", "DIR" },
    { "adaptors", 'a', 0, G_OPTION_ARG_STRING, &adaptors,
        "Adaptor heads to evaluate, e.g. clip,dino_v2 (the demo model has "
        "one: demo)", "LIST" },
    G_OPTION_ENTRY_NULL
  };

  /* GStreamer's own options (--gst-debug...) come with its option group,
   * which also initialises GStreamer. */
  context = g_option_context_new ("- print the GstRadioMeta of each frame");
  g_option_context_add_main_entries (context, options, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || argc > 1 || frames <= 0) {
    g_printerr ("%s\nusage: %s [--frames N] [--model DIR] "
        "[--adaptors LIST]\n", error ? error->message : "bad arguments",
        argv[0]);
    return 2;
  }
  if (!model && g_getenv ("RADIO_MODEL") && *g_getenv ("RADIO_MODEL"))
    model = g_strdup (g_getenv ("RADIO_MODEL"));

  description = g_strdup_printf ("videotestsrc num-buffers=%d "
      "! video/x-raw,width=320,height=240 ! videoconvert "
      "! radio name=radio ! fakesink name=sink", frames);
  pipeline = gst_parse_launch (description, &error);
  if (error) {
    /* e.g. no element "radio": GST_PLUGIN_PATH must name the folder of
     * libgstradio.so when gst-radio is not installed. */
    g_printerr ("cannot build the pipeline: %s\n", error->message);
    gst_clear_object (&pipeline);
    return 1;
  }
  radio = gst_bin_get_by_name (GST_BIN (pipeline), "radio");
  g_object_set (radio, "model", model, "adaptors", adaptors, NULL);
  gst_object_unref (radio);

  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &reader,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);

  /* Wait for the end of the stream or the first error; warnings (such as
   * the demo model's RANDOM weights) are shown and do not stop it. */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  for (;;) {
    g_autoptr (GError) err = NULL;
    msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (msg, &err, NULL);
      g_printerr ("warning from %s: %s\n", GST_OBJECT_NAME (msg->src),
          err->message);
      gst_message_unref (msg);
      continue;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("error from %s: %s\n", GST_OBJECT_NAME (msg->src),
          err->message);
      status = 1;
    }
    gst_message_unref (msg);
    break;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);

  if (status == 0 && reader.frames == 0) {
    g_printerr ("no buffer reached the sink\n");
    status = 1;
  } else if (status == 0 && reader.without_meta > 0) {
    g_printerr ("%u of %u buffer(s) carried no GstRadioMeta\n",
        reader.without_meta, reader.frames);
    status = 1;
  }
  g_free (reader.last_model_id);
  return status;
}
