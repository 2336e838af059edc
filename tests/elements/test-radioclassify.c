/* test-radioclassify: the `radioclassify` element in GstHarness and in real
 * pipelines.
 *
 * Frames carry hand-built features whose correct classification is known:
 * the head's rows are random unit vectors and a frame's summary is one of
 * them plus a little noise, so that row's class must win, and every score
 * must equal a softmax computed here in double precision.  Also: top-k,
 * temperature, summary tokens, adaptor sources, the bus message, the meta,
 * the text overlay (pixels change only inside its box), frames without
 * features, the rejection paths (missing or corrupt files, wrong sizes) and
 * the built-in model end to end.
 *
 * RADIO_CLASSIFY_PNG=/path/to/file.png saves the RGB overlay test's frame,
 * to look at the text. */
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/radio/radiometa.h>
#include <gst/radio/radioresultmeta.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "element-util.h"
#include "radio-error.h"
#include "radio-head.h"
#include "radio-image.h"
#include "test-util.h"

/* ---- heads and features -------------------------------------------------- */

typedef struct {
  char *dir;
  char *weights;
  char *labels;
  guint n_classes, dim;
  gfloat *weight; /* [n_classes, dim] */
  gfloat *bias;   /* [n_classes] or NULL */
} Head;

/* Writes a head with radio_head_save into a fresh temporary folder, with
 * safetensors metadata (NULL or key, value pairs). */
static void
head_init_with_metadata (Head *h, guint n_classes, guint dim,
    const gfloat *weight, const gfloat *bias, const char *const *labels,
    const char *const *metadata)
{
  g_autoptr (GError) error = NULL;

  h->dir = radio_test_make_tmp_dir ("radioclassify-XXXXXX");
  h->weights = g_build_filename (h->dir, "head.safetensors", NULL);
  h->labels = g_build_filename (h->dir, "head.txt", NULL);
  h->n_classes = n_classes;
  h->dim = dim;
  h->weight = g_memdup2 (weight, sizeof (gfloat) * n_classes * dim);
  h->bias = bias ? g_memdup2 (bias, sizeof (gfloat) * n_classes) : NULL;
  g_assert_true (radio_head_save (h->weights, h->labels, n_classes, dim, weight,
      bias, labels, NULL, metadata, &error));
  g_assert_no_error (error);
}

static void
head_init (Head *h, guint n_classes, guint dim, const gfloat *weight,
    const gfloat *bias, const char *const *labels)
{
  head_init_with_metadata (h, n_classes, dim, weight, bias, labels, NULL);
}

static void
head_clear (Head *h)
{
  radio_test_remove_tree (h->dir);
  g_free (h->dir);
  g_free (h->weights);
  g_free (h->labels);
  g_free (h->weight);
  g_free (h->bias);
  memset (h, 0, sizeof (*h));
}

/* A random direction, |v| = 1 (Box-Muller normals, then normalised). */
static void
random_unit (GRand *rand, gfloat *v, guint n)
{
  gdouble norm = 0.0;
  guint i;

  for (i = 0; i < n; i++) {
    gdouble u1 = g_rand_double_range (rand, 1e-12, 1.0);
    gdouble u2 = g_rand_double (rand);
    v[i] = (gfloat)(sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2));
    norm += (gdouble)v[i] * v[i];
  }
  for (i = 0; i < n; i++)
    v[i] = (gfloat)(v[i] / sqrt (norm));
}

/* n random orthonormal rows of dim (Gram-Schmidt, n <= dim). */
static void
random_orthonormal (GRand *rand, gfloat *rows, guint n, guint dim)
{
  guint i, j, c;

  for (i = 0; i < n; i++) {
    gfloat *r = rows + i * dim;
    gdouble norm = 0.0;
    random_unit (rand, r, dim);
    for (j = 0; j < i; j++) {
      const gfloat *q = rows + j * dim;
      gdouble dot = 0.0;
      for (c = 0; c < dim; c++)
        dot += (gdouble)r[c] * q[c];
      for (c = 0; c < dim; c++)
        r[c] -= (gfloat)(dot * q[c]);
    }
    for (c = 0; c < dim; c++)
      norm += (gdouble)r[c] * r[c];
    for (c = 0; c < dim; c++)
      r[c] = (gfloat)(r[c] / sqrt (norm));
  }
}

/* row + noise of the given size per component. */
static void
noisy_copy (GRand *rand, const gfloat *row, guint n, gdouble noise, gfloat *out)
{
  guint i;

  for (i = 0; i < n; i++)
    out[i] = row[i] + (gfloat)g_rand_double_range (rand, -noise, noise);
}

/* Softmax of the head's logits for x, in double precision, written from
 * the definition (not from radio-head.c). */
static void
reference_scores (const Head *h, const gfloat *x, gboolean cosine,
    gdouble temperature, gdouble *p)
{
  gdouble xx = 0.0, max = -G_MAXDOUBLE, sum = 0.0;
  guint k, c;

  for (c = 0; c < h->dim; c++)
    xx += (gdouble)x[c] * x[c];
  for (k = 0; k < h->n_classes; k++) {
    const gfloat *w = h->weight + k * h->dim;
    gdouble dot = 0.0, ww = 0.0;
    for (c = 0; c < h->dim; c++) {
      dot += (gdouble)w[c] * x[c];
      ww += (gdouble)w[c] * w[c];
    }
    if (cosine)
      dot /= sqrt (ww) * sqrt (xx);
    p[k] = (dot + (h->bias ? h->bias[k] : 0.0)) / temperature;
    max = MAX (max, p[k]);
  }
  for (k = 0; k < h->n_classes; k++)
    sum += (p[k] = exp (p[k] - max));
  for (k = 0; k < h->n_classes; k++)
    p[k] /= sum;
}

static RadioTestFeatures
summary_features (const gfloat *summary, guint dim)
{
  RadioTestFeatures f = { 0 };

  f.frame_width = 64;
  f.frame_height = 48;
  f.format = GST_VIDEO_FORMAT_RGB;
  f.fill[0] = 90;
  f.fill[1] = 140;
  f.fill[2] = 200;
  f.grid_width = 4;
  f.grid_height = 3;
  f.embed_dim = dim;
  f.summary = summary;
  f.n_summary_tokens = 1;
  return f;
}

/* ---- harness ------------------------------------------------------------- */

typedef struct {
  GstHarness *h;
  GstElement *element; /* the radioclassify */
  GstBus *bus;         /* the harnessed bin's */
} Classify;

static void classify_init (Classify *c, const Head *head,
    const RadioTestFeatures *f, const char *props_format, ...)
    G_GNUC_PRINTF (4, 5);

/* "radioclassify weights=... labels=... PROPS" in a harness whose bin has
 * a bus, so element messages, warnings and errors can be read back. */
static void
classify_init (Classify *c, const Head *head, const RadioTestFeatures *f,
    const char *props_format, ...)
{
  va_list args;
  g_autofree char *props = NULL;
  g_autofree char *caps = radio_test_features_caps (f);

  va_start (args, props_format);
  props = g_strdup_vprintf (props_format, args);
  va_end (args);
  c->h = radio_test_harness_new_with_bus (
      "radioclassify name=classify weights=\"%s\" labels=\"%s\" %s",
      head->weights, head->labels, props);
  c->bus = GST_ELEMENT_BUS (c->h->element);
  c->element = gst_harness_find_element (c->h, "radioclassify");
  gst_harness_set_src_caps_str (c->h, caps);
}

static void
classify_clear (Classify *c)
{
  radio_test_harness_teardown (c->h);
  gst_object_unref (c->element);
}

/* Pushes a frame with features f; returns the output buffer. */
static GstBuffer *
classify_push (Classify *c, const RadioTestFeatures *f)
{
  g_assert_cmpint (
      gst_harness_push (c->h, radio_test_features_buffer (f)), ==, GST_FLOW_OK);
  return gst_harness_pull (c->h);
}

static GstRadioClassificationMeta *
get_result (GstBuffer *buf)
{
  GstRadioClassificationMeta *m
      = gst_buffer_get_radio_classification_meta (buf, NULL);

  g_assert_nonnull (m);
  g_assert_cmpuint (m->version, ==, GST_RADIO_RESULT_META_VERSION);
  return m;
}

/* Classifies f with a radioclassify with head and props: its one result
 * must be class_id, named label.  Returns that result's score. */
static gfloat
only_result (const Head *head, const RadioTestFeatures *f, const char *props,
    guint class_id, const char *label)
{
  Classify c;
  GstBuffer *out;
  GstRadioClassificationMeta *m;
  gfloat score;

  classify_init (&c, head, f, "%s", props);
  out = classify_push (&c, f);
  m = get_result (out);
  g_assert_cmpuint (m->n_results, ==, 1);
  g_assert_cmpstr (m->labels[0], ==, label);
  g_assert_cmpuint (m->class_ids[0], ==, class_id);
  score = m->scores[0];
  gst_buffer_unref (out);
  classify_clear (&c);
  return score;
}

/* The meta lists the best classes of p, best first, with p's values. */
static void
assert_matches_reference (const GstRadioClassificationMeta *m, const Head *h,
    const gdouble *p, guint expect_n)
{
  guint i, k;

  g_assert_cmpuint (m->n_results, ==, expect_n);
  for (i = 0; i < m->n_results; i++) {
    guint id = m->class_ids[i];
    g_assert_cmpuint (id, <, h->n_classes);
    g_assert_cmpfloat_with_epsilon (m->scores[i], p[id], 1e-5);
    /* no class left out scores higher than a reported one */
    for (k = 0; k < h->n_classes; k++) {
      gboolean reported = FALSE;
      guint j;
      for (j = 0; j < m->n_results; j++)
        reported |= m->class_ids[j] == k;
      if (!reported)
        g_assert_cmpfloat (p[k], <=, p[id] + 1e-7);
    }
    if (i > 0)
      g_assert_cmpfloat (m->scores[i], <=, m->scores[i - 1]);
  }
}

/* ---- known classes ------------------------------------------------------- */

#define DIM 16

static const char *const animal_labels[] = { "cat", "dog", "bird", NULL };

static void
test_known_summary (gconstpointer data)
{
  gboolean cosine = GPOINTER_TO_INT (data);
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  gfloat w[3 * DIM], x[DIM];
  const gfloat bias[3] = { 0.05f, -0.1f, 0.02f };
  gdouble p[3];
  RadioTestFeatures f;
  Head head;
  Classify c;
  GstBuffer *out;
  GstRadioClassificationMeta *m;
  guint k, want;

  for (k = 0; k < 3; k++)
    random_unit (rand, w + k * DIM, DIM);
  head_init (&head, 3, DIM, w, bias, animal_labels);
  f = summary_features (x, DIM);
  /* temperatures that keep every score well away from 0 and 1 */
  classify_init (&c, &head, &f, "scoring=%s temperature=%s",
      cosine ? "cosine" : "linear", cosine ? "0.4" : "0.5");
  /* every class in turn is the one the frame is made from */
  for (want = 0; want < 3; want++) {
    noisy_copy (rand, w + want * DIM, DIM, 0.05, x);
    out = classify_push (&c, &f);
    m = get_result (out);
    reference_scores (&head, x, cosine, cosine ? 0.4 : 0.5, p);
    g_assert_cmpfloat (p[want], <, 0.95);
    g_assert_cmpfloat (p[(want + 1) % 3], >, 0.01);
    g_assert_cmpuint (m->class_ids[0], ==, want);
    g_assert_cmpstr (m->labels[0], ==, animal_labels[want]);
    assert_matches_reference (m, &head, p, 3);
    for (k = 0; k < 3; k++)
      g_assert_cmpstr (m->labels[k], ==, animal_labels[m->class_ids[k]]);
    g_assert_cmpstr (m->classifier, ==, "classify");
    g_assert_cmpstr (m->source, ==, "summary");
    /* the frame itself passes unchanged, its features too */
    g_assert_nonnull (gst_buffer_get_radio_meta (out));
    gst_buffer_unref (out);
  }
  {
    guint n;
    g_object_get (c.element, "n-classes", &n, NULL);
    g_assert_cmpuint (n, ==, 3);
  }
  classify_clear (&c);
  head_clear (&head);
}

/* A classifier whose weights equal one known summary picks that label:
 * the frame's summary is exactly row 4 of 7. */
static void
test_exact_row (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  static const char *const labels[]
      = { "zero", "one", "two", "three", "four", "five", "six", NULL };
  gfloat w[7 * DIM];
  RadioTestFeatures f;
  Head head;
  guint k;

  for (k = 0; k < 7; k++)
    random_unit (rand, w + k * DIM, DIM);
  head_init (&head, 7, DIM, w, NULL, labels);
  f = summary_features (w + 4 * DIM, DIM);
  only_result (&head, &f, "top-k=1", 4, "four");
  head_clear (&head);
}

/* top-k: the k best in order; k above the class count gives them all. */
static void
test_top_k (void)
{
  static const char *const labels[] = { "a", "b", "c", "d", "e", "f", NULL };
  /* linear scores of x = (1, 0) are the first column: a known order */
  const gfloat w[6 * 2]
      = { 0.5f, 0, 2.0f, 0, -1.0f, 0, 1.5f, 0, 0.25f, 0, 3.0f, 0 };
  const guint order[6] = { 5, 1, 3, 0, 4, 2 };
  const gfloat x[2] = { 1.0f, 0.0f };
  RadioTestFeatures f = summary_features (x, 2);
  gdouble p[6];
  Head head;
  Classify c;
  GstBuffer *out;
  GstRadioClassificationMeta *m;
  guint i;

  head_init (&head, 6, 2, w, NULL, labels);
  reference_scores (&head, x, FALSE, 1.0, p);
  classify_init (&c, &head, &f, "scoring=linear top-k=4");
  out = classify_push (&c, &f);
  m = get_result (out);
  assert_matches_reference (m, &head, p, 4);
  for (i = 0; i < 4; i++) {
    g_assert_cmpuint (m->class_ids[i], ==, order[i]);
    g_assert_cmpstr (m->labels[i], ==, labels[order[i]]);
  }
  gst_buffer_unref (out);

  g_object_set (c.element, "top-k", 100, NULL);
  out = classify_push (&c, &f);
  m = get_result (out);
  assert_matches_reference (m, &head, p, 6);
  for (i = 0; i < 6; i++)
    g_assert_cmpuint (m->class_ids[i], ==, order[i]);
  gst_buffer_unref (out);
  classify_clear (&c);
  head_clear (&head);
}

/* A lower temperature sharpens the scores; 0 picks 0.01 for cosine and 1
 * for linear scoring. */
static void
test_temperature (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  gfloat w[3 * DIM], x[DIM];
  gdouble p[3], top[5];
  RadioTestFeatures f;
  Head head;
  Classify c;
  GstBuffer *out;
  GstRadioClassificationMeta *m;
  guint k;
  static const struct {
    const char *scoring;
    gdouble temperature, effective;
  } cases[] = {
    { "cosine", 1.0, 1.0 },
    { "cosine", 0.1, 0.1 },
    { "cosine", 0.0, 0.01 },
    { "linear", 0.0, 1.0 },
    { "linear", 0.2, 0.2 },
  };

  random_orthonormal (rand, w, 3, DIM);
  head_init (&head, 3, DIM, w, NULL, animal_labels);
  /* nearly as close to every row, a little closer to row 2: cosines only
   * a few hundredths apart, so every temperature gives other scores */
  for (k = 0; k < DIM; k++)
    x[k] = w[k] + w[DIM + k] + 1.1f * w[2 * DIM + k];
  f = summary_features (x, DIM);
  classify_init (&c, &head, &f, " ");
  for (k = 0; k < G_N_ELEMENTS (cases); k++) {
    g_object_set (c.element, "temperature", cases[k].temperature, NULL);
    gst_util_set_object_arg (G_OBJECT (c.element), "scoring", cases[k].scoring);
    out = classify_push (&c, &f);
    m = get_result (out);
    reference_scores (&head, x, g_str_equal (cases[k].scoring, "cosine"),
        cases[k].effective, p);
    assert_matches_reference (m, &head, p, 3);
    g_assert_cmpuint (m->class_ids[0], ==, 2);
    top[k] = m->scores[0];
    gst_buffer_unref (out);
  }
  /* at T=1 cosine scores in [-1, 1] barely separate three classes */
  /* cosine: colder is sharper; T=1 barely separates the classes */
  g_assert_cmpfloat (top[0], <, 0.4);
  g_assert_cmpfloat (top[1], >, top[0] + 0.01);
  g_assert_cmpfloat (top[2], >, top[1] + 0.1);
  classify_clear (&c);
  head_clear (&head);
}

/* Several summary tokens: one by index, or all of them concatenated. */
static void
test_summary_token (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (21);
  gfloat tokens[2 * 8], w8[3 * 8], w16[3 * 16];
  RadioTestFeatures f;
  Head head8, head16;
  Classify c;
  GstBuffer *out;
  guint k;

  for (k = 0; k < 3; k++) {
    random_unit (rand, w8 + k * 8, 8);
    random_unit (rand, w16 + k * 16, 16);
  }
  /* token 0 is head8's row 0, token 1 its row 2; the whole summary is
   * head16's row 1 */
  memcpy (tokens, w8, 8 * sizeof (gfloat));
  memcpy (tokens + 8, w8 + 16, 8 * sizeof (gfloat));
  memcpy (w16 + 16, tokens, 16 * sizeof (gfloat));
  head_init (&head8, 3, 8, w8, NULL, animal_labels);
  head_init (&head16, 3, 16, w16, NULL, animal_labels);
  f = summary_features (tokens, 8);
  f.n_summary_tokens = 2;

  classify_init (&c, &head8, &f, "summary-token=0");
  out = classify_push (&c, &f);
  g_assert_cmpstr (get_result (out)->labels[0], ==, "cat");
  gst_buffer_unref (out);
  g_object_set (c.element, "summary-token", 1, NULL);
  out = classify_push (&c, &f);
  g_assert_cmpstr (get_result (out)->labels[0], ==, "bird");
  gst_buffer_unref (out);
  classify_clear (&c);

  /* -1, the default */
  classify_init (&c, &head16, &f, " ");
  out = classify_push (&c, &f);
  g_assert_cmpstr (get_result (out)->labels[0], ==, "dog");
  gst_buffer_unref (out);
  classify_clear (&c);
  head_clear (&head8);
  head_clear (&head16);
}

/* source=NAME classifies the adaptor's summary, not the backbone's. */
static void
test_adaptor_source (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (8);
  gfloat w[3 * 8], backbone[DIM], clip[8];
  RadioTestFeatures f;
  Head head;
  Classify c;
  GstBuffer *out;
  GstRadioClassificationMeta *m;
  gdouble p[3];
  guint k;

  for (k = 0; k < 3; k++)
    random_unit (rand, w + k * 8, 8);
  random_unit (rand, backbone, DIM);
  noisy_copy (rand, w + 1 * 8, 8, 0.05, clip);
  head_init (&head, 3, 8, w, NULL, animal_labels);
  f = summary_features (backbone, DIM);
  f.adaptor_name = "clip";
  f.adaptor_summary = clip;
  f.adaptor_summary_length = 8;
  classify_init (&c, &head, &f, "source=clip temperature=0.3");
  out = classify_push (&c, &f);
  m = get_result (out);
  reference_scores (&head, clip, TRUE, 0.3, p);
  g_assert_cmpstr (m->source, ==, "clip");
  g_assert_cmpstr (m->labels[0], ==, "dog");
  assert_matches_reference (m, &head, p, 3);
  gst_buffer_unref (out);
  classify_clear (&c);
  head_clear (&head);
}

/* ---- the bus message ----------------------------------------------------- */

static void
test_message (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (13);
  gfloat w[3 * DIM], x[DIM];
  RadioTestFeatures f;
  Head head;
  Classify c;
  GstBuffer *in, *out;
  GstMessage *msg;
  const GstStructure *s;
  const GValue *labels, *scores, *ids;
  gdouble p[3], score;
  guint64 frame, pts;
  guint k, i, n_messages = 0, class_id;

  for (k = 0; k < 3; k++)
    random_unit (rand, w + k * DIM, DIM);
  head_init (&head, 3, DIM, w, NULL, animal_labels);
  f = summary_features (x, DIM);
  classify_init (&c, &head, &f, "top-k=2 temperature=0.3");
  for (i = 0; i < 2; i++) {
    noisy_copy (rand, w + (2 - i) * DIM, DIM, 0.05, x);
    in = radio_test_features_buffer (&f);
    GST_BUFFER_PTS (in) = (i + 1) * 40 * GST_MSECOND;
    g_assert_cmpint (gst_harness_push (c.h, in), ==, GST_FLOW_OK);
    out = gst_harness_pull (c.h);
    reference_scores (&head, x, TRUE, 0.3, p);

    msg = gst_bus_pop_filtered (c.bus, GST_MESSAGE_ELEMENT);
    g_assert_nonnull (msg);
    n_messages++;
    s = gst_message_get_structure (msg);
    g_assert_true (gst_structure_has_name (s, "radio-classification"));
    g_assert_true (gst_structure_get_uint64 (s, "frame", &frame));
    g_assert_true (gst_structure_get_uint64 (s, "timestamp", &pts));
    g_assert_cmpuint (frame, ==, i);
    g_assert_cmpuint (pts, ==, (i + 1) * 40 * GST_MSECOND);
    g_assert_cmpstr (
        gst_structure_get_string (s, "label"), ==, animal_labels[2 - i]);
    g_assert_cmpstr (gst_structure_get_string (s, "source"), ==, "summary");
    g_assert_true (gst_structure_get_double (s, "score", &score));
    g_assert_cmpfloat_with_epsilon (score, p[2 - i], 1e-5);
    g_assert_true (gst_structure_get_uint (s, "class-id", &class_id));
    g_assert_cmpuint (class_id, ==, 2 - i);
    labels = gst_structure_get_value (s, "labels");
    scores = gst_structure_get_value (s, "scores");
    ids = gst_structure_get_value (s, "class-ids");
    g_assert_true (GST_VALUE_HOLDS_ARRAY (labels));
    g_assert_true (GST_VALUE_HOLDS_ARRAY (scores));
    g_assert_true (GST_VALUE_HOLDS_ARRAY (ids));
    g_assert_cmpuint (gst_value_array_get_size (labels), ==, 2);
    g_assert_cmpuint (gst_value_array_get_size (scores), ==, 2);
    g_assert_cmpuint (gst_value_array_get_size (ids), ==, 2);
    /* the message and the meta say the same */
    {
      GstRadioClassificationMeta *m = get_result (out);
      for (k = 0; k < 2; k++) {
        guint id = g_value_get_uint (gst_value_array_get_value (ids, k));
        g_assert_cmpuint (id, ==, m->class_ids[k]);
        g_assert_cmpstr (
            g_value_get_string (gst_value_array_get_value (labels, k)), ==,
            animal_labels[id]);
        g_assert_cmpfloat_with_epsilon (
            g_value_get_double (gst_value_array_get_value (scores, k)), p[id],
            1e-5);
      }
    }
    gst_message_unref (msg);
    gst_buffer_unref (out);
  }
  g_assert_cmpuint (n_messages, ==, 2);

  /* post-messages=false: the meta, no message */
  g_object_set (c.element, "post-messages", FALSE, NULL);
  out = classify_push (&c, &f);
  get_result (out);
  g_assert_null (gst_bus_pop_filtered (c.bus, GST_MESSAGE_ELEMENT));
  gst_buffer_unref (out);
  classify_clear (&c);
  head_clear (&head);
}

/* ---- overlay ------------------------------------------------------------- */

/* Where the text box must be, from the documented layout: glyphs 5x8 in
 * 6x10 cells times scale (one glyph pixel per 240 frame rows), a margin of
 * 2 * scale round the text, the box 2 * scale from the top-left corner. */
static void
expected_box (const GstRadioClassificationMeta *m, guint frame_height, guint *x,
    guint *y, guint *w, guint *h)
{
  guint scale = MAX (1, frame_height / 240), longest = 0, i;

  for (i = 0; i < m->n_results; i++) {
    g_autofree char *line
        = g_strdup_printf ("%s %.2f", m->labels[i], m->scores[i]);
    longest = MAX (longest, (guint)g_utf8_strlen (line, -1));
  }
  *x = *y = 2 * scale;
  *w = 4 * scale + (longest * 6 - 1) * scale;
  *h = 4 * scale + (m->n_results * 10 - 2) * scale;
}

/* ... cut to a frame of width x height */
static void
clip_box (guint width, guint height, guint x, guint y, guint *w, guint *h)
{
  *w = MIN (*w, width - x);
  *h = MIN (*h, height - y);
}

static gboolean
inside (guint px, guint py, guint x, guint y, guint w, guint h)
{
  return px >= x && px < x + w && py >= y && py < y + h;
}

static const char *const overlay_labels[]
    = { "cat", "dog", "caf\xc3\xa9 (UTF-8)", NULL };

/* The YUV frames of the tests: luma 0x80, a bluish chroma. */
static const guint8 yuv_fill[3] = { 0x80, 0x40, 0xc0 };

static guint8 *
comp_pixel (GstVideoFrame *frame, guint comp, guint x, guint y)
{
  return (guint8 *)GST_VIDEO_FRAME_COMP_DATA (frame, comp)
         + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, comp)
         + x * GST_VIDEO_FRAME_COMP_PSTRIDE (frame, comp);
}

/* radio_test_features_buffer, for YUV formats too: element-util.c fills
 * YUV frames with gst_buffer_memset while the frame is still mapped, which
 * GStreamer refuses, so the meta is made on an RGB frame and copied onto a
 * YUV buffer filled with yuv_fill. */
static GstBuffer *
features_buffer (const RadioTestFeatures *f)
{
  RadioTestFeatures rgb = *f;
  GstBuffer *with_meta, *buf;
  GstVideoInfo info;

  if (gst_video_format_get_info (f->format)->flags & GST_VIDEO_FORMAT_FLAG_RGB)
    return radio_test_features_buffer (f);
  rgb.format = GST_VIDEO_FORMAT_RGB;
  with_meta = radio_test_features_buffer (&rgb);
  g_assert_true (gst_video_info_set_format (
      &info, f->format, f->frame_width, f->frame_height));
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  {
    GstVideoFrame frame;
    guint comp, x, y;
    g_assert_true (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
    for (comp = 0; comp < 3; comp++)
      for (y = 0; y < (guint)GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp); y++)
        for (x = 0; x < (guint)GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp); x++)
          *comp_pixel (&frame, comp, x, y) = yuv_fill[comp];
    gst_video_frame_unmap (&frame);
  }
  g_assert_true (
      gst_buffer_copy_into (buf, with_meta, GST_BUFFER_COPY_METADATA, 0, -1));
  gst_buffer_unref (with_meta);
  g_assert_nonnull (gst_buffer_get_radio_meta (buf));
  return buf;
}

static GstBuffer *
overlay_frame (Head *head, GstVideoFormat format, guint width, guint height,
    gboolean overlay)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (17);
  gfloat w[3 * DIM], x[DIM];
  RadioTestFeatures f;
  Classify c;
  GstBuffer *out;
  guint k;

  for (k = 0; k < 3; k++)
    random_unit (rand, w + k * DIM, DIM);
  noisy_copy (rand, w + 2 * DIM, DIM, 0.3, x);
  if (!head->dir)
    head_init (head, 3, DIM, w, NULL, overlay_labels);
  f = summary_features (x, DIM);
  f.format = format;
  f.frame_width = width;
  f.frame_height = height;
  classify_init (&c, head, &f, "overlay=%s top-k=3 temperature=0.2",
      overlay ? "true" : "false");
  g_assert_cmpint (
      gst_harness_push (c.h, features_buffer (&f)), ==, GST_FLOW_OK);
  out = gst_harness_pull (c.h);
  classify_clear (&c);
  return out;
}

static void
save_png (GstVideoFrame *frame, const char *path)
{
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  g_autofree guint8 *rgb = g_malloc ((gsize)width * height * 3);
  g_autoptr (RadioImage) image = NULL;
  g_autoptr (GError) error = NULL;
  guint px, py;

  for (py = 0; py < height; py++)
    for (px = 0; px < width; px++)
      radio_test_frame_rgb (frame, px, py, rgb + ((gsize)py * width + px) * 3);
  image = radio_image_new_from_data (width, height, rgb);
  g_assert_true (radio_image_save_png (image, path, &error));
  g_assert_no_error (error);
  g_test_message ("overlay saved to %s", path);
}

/* RGB: outside the box every pixel keeps the fill; inside, each is either
 * the fill darkened by the box or white text, and there is text on every
 * line. */
static void
test_overlay_rgb (gconstpointer data)
{
  const guint *size = data;
  const guint8 fill[3] = { 90, 140, 200 };
  Head head = { 0 };
  GstBuffer *out
      = overlay_frame (&head, GST_VIDEO_FORMAT_BGRx, size[0], size[1], TRUE);
  GstRadioClassificationMeta *m = get_result (out);
  GstVideoFrame frame;
  guint bx, by, bw, bh, px, py, c, line, white = 0;
  guint line_white[3] = { 0, 0, 0 };
  guint scale = MAX (1, size[1] / 240);

  g_assert_cmpuint (m->n_results, ==, 3);
  expected_box (m, size[1], &bx, &by, &bw, &bh);
  clip_box (size[0], size[1], bx, by, &bw, &bh);
  radio_test_map_frame (&frame, out, GST_VIDEO_FORMAT_BGRx, size[0], size[1]);
  for (py = 0; py < size[1]; py++) {
    for (px = 0; px < size[0]; px++) {
      guint8 rgb[3];
      radio_test_frame_rgb (&frame, px, py, rgb);
      if (!inside (px, py, bx, by, bw, bh)) {
        for (c = 0; c < 3; c++)
          g_assert_cmpuint (rgb[c], ==, fill[c]);
        continue;
      }
      if (rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255) {
        white++;
        line = (py - by - 2 * scale) / (10 * scale);
        g_assert_cmpuint (line, <, 3);
        line_white[line]++;
        continue;
      }
      /* 60 % black over the fill */
      for (c = 0; c < 3; c++)
        g_assert_cmpint (abs (rgb[c] - (gint)(fill[c] * 0.4 + 0.5)), <=, 1);
    }
  }
  g_assert_cmpuint (white, >, 0);
  /* text on every line that the frame shows whole */
  for (line = 0; line < 3; line++)
    if (by + (4 + line * 10 + 8) * scale <= size[1])
      g_assert_cmpuint (line_white[line], >, 20 * scale * scale);
  if (g_getenv ("RADIO_CLASSIFY_PNG") && size[1] >= 480)
    save_png (&frame, g_getenv ("RADIO_CLASSIFY_PNG"));
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (out);

  /* overlay=false leaves every pixel alone */
  out = overlay_frame (&head, GST_VIDEO_FORMAT_BGRx, size[0], size[1], FALSE);
  radio_test_map_frame (&frame, out, GST_VIDEO_FORMAT_BGRx, size[0], size[1]);
  radio_test_assert_rect_rgb (&frame, 0, 0, size[0], size[1], fill);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (out);
  head_clear (&head);
}

/* NV12 and I420: nothing changes outside the box.  Inside, luma is the
 * darkened fill or white text; chroma samples wholly inside the box go
 * 60 % of the way to neutral (as RGB goes to black), the others keep the
 * fill. */
static void
test_overlay_yuv (gconstpointer data)
{
  GstVideoFormat format = gst_video_format_from_string (data);
  const guint width = 200, height = 120;
  Head head = { 0 };
  GstBuffer *out = overlay_frame (&head, format, width, height, TRUE);
  GstRadioClassificationMeta *m = get_result (out);
  GstVideoFrame frame;
  guint bx, by, bw, bh, px, py, comp, ink = 0, neutral = 0;

  expected_box (m, height, &bx, &by, &bw, &bh);
  radio_test_map_frame (&frame, out, format, width, height);
  for (py = 0; py < height; py++) {
    for (px = 0; px < width; px++) {
      guint8 luma = *comp_pixel (&frame, 0, px, py);
      if (!inside (px, py, bx, by, bw, bh))
        g_assert_cmpuint (luma, ==, yuv_fill[0]);
      else if (luma == 235)
        ink++;
      else /* 60 % of the way to limited-range black, 16 */
        g_assert_cmpint (abs (luma - 61), <=, 1);
    }
  }
  g_assert_cmpuint (ink, >, 50);
  for (comp = 1; comp < 3; comp++) {
    guint sw = width / GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp);
    guint sh = height / GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp);
    gint boxed = (gint)(128 + (yuv_fill[comp] - 128) * 0.4);
    g_assert_cmpuint (sw, ==, 2);
    for (py = 0; py < (guint)GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp); py++)
      for (px = 0; px < (guint)GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp);
           px++) {
        guint8 v = *comp_pixel (&frame, comp, px, py);
        gboolean whole
            = inside (px * sw, py * sh, bx, by, bw, bh)
              && inside (px * sw + sw - 1, py * sh + sh - 1, bx, by, bw, bh);
        if (whole) {
          g_assert_cmpint (abs (v - boxed), <=, 1);
          neutral++;
        } else {
          g_assert_cmpuint (v, ==, yuv_fill[comp]);
        }
      }
  }
  g_assert_cmpuint (neutral, >, 100);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (out);
  head_clear (&head);
}

/* ---- frames without features ------------------------------------------- */

static void
test_no_meta (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  gfloat w[3 * DIM];
  RadioTestFeatures f;
  GstVideoInfo info;
  Head head;
  Classify c;
  GstMessage *msg;
  guint k, i, warnings = 0;

  for (k = 0; k < 3; k++)
    random_unit (rand, w + k * DIM, DIM);
  head_init (&head, 3, DIM, w, NULL, animal_labels);
  f = summary_features (w, DIM);
  classify_init (&c, &head, &f, "overlay=true");
  g_assert_true (gst_video_info_set_format (
      &info, f.format, f.frame_width, f.frame_height));
  for (i = 0; i < 3; i++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, info.size, NULL);
    g_autofree guint8 *pattern = g_malloc (info.size);
    GstBuffer *out;

    for (k = 0; k < info.size; k++)
      pattern[k] = (guint8)(k * 7 + i);
    gst_buffer_fill (in, 0, pattern, info.size);
    g_assert_cmpint (gst_harness_push (c.h, in), ==, GST_FLOW_OK);
    out = gst_harness_pull (c.h);
    g_assert_null (gst_buffer_get_radio_classification_meta (out, NULL));
    radio_test_assert_buffer_data (out, pattern, info.size);
    gst_buffer_unref (out);
  }
  while ((msg = gst_bus_pop (c.bus))) {
    g_assert_cmpint (GST_MESSAGE_TYPE (msg), !=, GST_MESSAGE_ERROR);
    g_assert_cmpint (GST_MESSAGE_TYPE (msg), !=, GST_MESSAGE_ELEMENT);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      warnings++;
    gst_message_unref (msg);
  }
  g_assert_cmpuint (warnings, ==, 1);
  /* a frame with features after them is still classified */
  {
    GstBuffer *out = classify_push (&c, &f);
    g_assert_cmpstr (get_result (out)->labels[0], ==, "cat");
    gst_buffer_unref (out);
  }
  classify_clear (&c);
  head_clear (&head);
}

/* Warnings, each once: a head made for another model or other features,
 * features that are not finite (the frame passes unclassified), a new
 * head while running (refused). */
static void
test_warnings (void)
{
  static const char *const metadata[] = { "source", "adaptor.clip.summary",
    "model_id", "fedcba9876543210", NULL };
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  gfloat w[3 * DIM], x[DIM];
  RadioTestFeatures f;
  Head head;
  Classify c;
  GstBuffer *out;
  g_autofree char *weights = NULL;
  guint k;

  for (k = 0; k < 3; k++)
    random_unit (rand, w + k * DIM, DIM);
  head_init_with_metadata (&head, 3, DIM, w, NULL, animal_labels, metadata);
  memcpy (x, w, sizeof (x));
  f = summary_features (x, DIM);
  classify_init (&c, &head, &f, " ");
  for (k = 0; k < 2; k++) {
    out = classify_push (&c, &f);
    g_assert_cmpstr (get_result (out)->labels[0], ==, "cat");
    gst_buffer_unref (out);
    g_assert_cmpuint (radio_test_count_messages (c.bus, GST_MESSAGE_WARNING,
                          "The classifier was made "),
        ==, k ? 0 : 2);
  }

  x[3] = NAN;
  for (k = 0; k < 2; k++) {
    out = classify_push (&c, &f);
    g_assert_null (gst_buffer_get_radio_classification_meta (out, NULL));
    gst_buffer_unref (out);
    g_assert_cmpuint (
        radio_test_count_messages (c.bus, GST_MESSAGE_WARNING, "not finite"),
        ==, k ? 0 : 1);
  }
  g_assert_null (gst_bus_pop_filtered (c.bus, GST_MESSAGE_ERROR));

  g_object_set (c.element, "weights", "/elsewhere.safetensors", NULL);
  g_assert_cmpuint (
      radio_test_count_messages (c.bus, GST_MESSAGE_WARNING, "cannot change"),
      ==, 1);
  g_object_get (c.element, "weights", &weights, NULL);
  g_assert_cmpstr (weights, ==, head.weights);
  classify_clear (&c);
  head_clear (&head);
}

/* ---- rejection paths ----------------------------------------------------- */

/* A radioclassify with head and props fails on its first frame, f, with
 * an error whose message contains expect and (unless NULL) also_expect. */
static void
expect_stream_error (const Head *head, const RadioTestFeatures *f,
    const char *props, const char *expect, const char *also_expect)
{
  g_autoptr (GError) err = NULL;
  Classify c;

  classify_init (&c, head, f, "%s", props);
  g_assert_cmpint (gst_harness_push (c.h, radio_test_features_buffer (f)), ==,
      GST_FLOW_ERROR);
  err = radio_test_pop_error (c.bus);
  g_assert_nonnull (strstr (err->message, expect));
  if (also_expect != NULL)
    g_assert_nonnull (strstr (err->message, also_expect));
  classify_clear (&c);
}

static void
test_wrong_features (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (2);
  gfloat w[3 * DIM], x[24];
  RadioTestFeatures f;
  Head head;
  Classify c;
  GstBuffer *out4;
  guint k;

  for (k = 0; k < 3; k++)
    random_unit (rand, w + k * DIM, DIM);
  random_unit (rand, x, 24);
  head_init (&head, 3, DIM, w, NULL, animal_labels);

  /* 12 features for a 16-channel head */
  f = summary_features (x, 12);
  expect_stream_error (&head, &f, " ", "expects 16 features", "has 12");

  /* two tokens of 8 for a 16-channel head: token 0 is too short, and the
   * message says that the whole summary would fit */
  f = summary_features (x, 8);
  f.n_summary_tokens = 2;
  expect_stream_error (&head, &f, "summary-token=0", "summary token 0 has 8",
      "summary-token=-1");

  /* four tokens of 4: the whole summary is 16, but each token has 4 */
  {
    RadioTestFeatures f4 = summary_features (x, 4);
    f4.n_summary_tokens = 4;
    classify_init (&c, &head, &f4, " ");
    out4 = classify_push (&c, &f4);
    gst_buffer_unref (out4);
    classify_clear (&c);
  }

  /* a head of one token's size with the default (whole summary) */
  {
    Head half;
    RadioTestFeatures f2 = summary_features (x, 8);
    f2.n_summary_tokens = 2;
    head_init (&half, 3, 8, w, NULL, animal_labels);
    expect_stream_error (&half, &f2, " ",
        "expects 8 features but the summary has 16 (2 tokens of 8)",
        "token index");
    head_clear (&half);
  }

  /* a token the frames do not have */
  f = summary_features (x, 8);
  f.n_summary_tokens = 2;
  expect_stream_error (&head, &f, "summary-token=2", "2 summary token", NULL);

  /* an adaptor the frames do not carry */
  f = summary_features (x, DIM);
  f.adaptor_name = "clip";
  f.adaptor_summary = x;
  f.adaptor_summary_length = 8;
  expect_stream_error (&head, &f, "source=siglip", "'siglip'", NULL);

  /* an adaptor whose summary has the wrong length */
  expect_stream_error (&head, &f, "source=clip",
      "expects 16 features but adaptor 'clip' gives 8", NULL);

  /* frames with spatial features only */
  f = summary_features (NULL, DIM);
  expect_stream_error (&head, &f, " ", "no summary", NULL);
  head_clear (&head);
}

static void
expect_load_failure (const char *weights, const char *labels,
    const char *expect1, const char *expect2)
{
  g_autofree char *launch = g_strdup_printf (
      "videotestsrc num-buffers=1 ! video/x-raw,format=RGB,width=32,"
      "height=32 ! radioclassify weights=\"%s\" labels=\"%s\" ! fakesink",
      weights, labels);
  g_autofree char *message = radio_test_expect_start_failure (launch, expect1);

  if (expect2)
    g_assert_nonnull (strstr (message, expect2));
}

static void
test_load_errors (void)
{
  const gfloat w[3 * 2] = { 1, 0, 0, 1, 1, 1 };
  Head head;
  g_autofree char *missing = NULL, *corrupt = NULL, *short_labels = NULL;

  head_init (&head, 3, 2, w, NULL, animal_labels);
  missing = g_build_filename (head.dir, "nowhere.safetensors", NULL);
  corrupt = g_build_filename (head.dir, "corrupt.safetensors", NULL);
  short_labels = g_build_filename (head.dir, "short.txt", NULL);

  expect_load_failure (missing, head.labels, missing, "not found");
  expect_load_failure (head.weights, missing, missing, "not found");
  g_assert_true (g_file_set_contents (corrupt,
      "\x10\x00\x00\x00\x00\x00\x00\x00{\"weight\": 3}    ", 24, NULL));
  expect_load_failure (corrupt, head.labels, corrupt, NULL);
  /* the real file cut in the middle of its data */
  {
    g_autofree char *data = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (head.weights, &data, &len, NULL));
    g_assert_true (g_file_set_contents (corrupt, data, len - 4, NULL));
  }
  expect_load_failure (corrupt, head.labels, corrupt, NULL);
  g_assert_true (g_file_set_contents (short_labels, "cat\ndog\n", -1, NULL));
  expect_load_failure (head.weights, short_labels, "2 labels", "3 classes");

  /* no files at all */
  g_free (radio_test_expect_start_failure (
      "videotestsrc num-buffers=1 ! radioclassify ! fakesink", "weights"));
  head_clear (&head);
}

/* ---- the built-in model ------------------------------------------------- */

#define TESTSRC                                                                \
  "videotestsrc num-buffers=%u ! video/x-raw,width=64,height=48 ! "            \
  "videoconvert ! radio name=r ! "

/* The summary of the first frame of TESTSRC through the built-in model. */
static gfloat *
builtin_summary (guint *length, guint *summary_dim)
{
  g_autofree char *launch = g_strdup_printf (TESTSRC "appsink name=sink", 1);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstElement *radio;
  GstSample *sample;
  GstRadioMeta *meta;
  gfloat *summary;

  g_assert_nonnull (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  g_assert_nonnull (sample);
  meta = gst_buffer_get_radio_meta (gst_sample_get_buffer (sample));
  g_assert_nonnull (meta);
  g_assert_nonnull (meta->summary);
  *length = meta->summary_length;
  summary = g_memdup2 (meta->summary, sizeof (gfloat) * meta->summary_length);
  radio = gst_bin_get_by_name (GST_BIN (pipeline), "r");
  g_assert_nonnull (radio);
  g_object_get (radio, "summary-dim", summary_dim, NULL);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (radio);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return summary;
}

/* videotestsrc ! videoconvert ! radio ! radioclassify: a head whose first
 * row is the summary of the (unchanging) test pattern picks it on every
 * frame, one message per frame. */
static void
test_builtin_model (void)
{
  static const char *const labels[] = { "testsrc", "opposite", "other", NULL };
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  g_autofree gfloat *summary = NULL;
  g_autofree gfloat *w = NULL;
  g_autofree char *launch = NULL;
  guint length, summary_dim, c, n_messages = 0;
  GstElement *pipeline;
  GstBus *bus;
  GstMessage *msg;
  Head head;

  summary = builtin_summary (&length, &summary_dim);
  g_assert_cmpuint (length, ==, summary_dim);
  w = g_new (gfloat, 3 * length);
  for (c = 0; c < length; c++) {
    w[c] = summary[c];
    w[length + c] = -summary[c];
  }
  random_unit (rand, w + 2 * length, length);
  head_init (&head, 3, length, w, NULL, labels);

  launch = g_strdup_printf (TESTSRC "radioclassify weights=\"%s\" "
                                    "labels=\"%s\" overlay=true ! fakesink",
      3, head.weights, head.labels);
  pipeline = gst_parse_launch (launch, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    const GstStructure *s = gst_message_get_structure (msg);
    if (type == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "radio-classification")) {
      gdouble score;
      g_assert_cmpstr (gst_structure_get_string (s, "label"), ==, "testsrc");
      g_assert_true (gst_structure_get_double (s, "score", &score));
      g_assert_cmpfloat (score, >, 0.999);
      n_messages++;
    }
    if (type == GST_MESSAGE_ERROR) {
      g_autoptr (GError) err = NULL;
      g_autofree char *debug = NULL;
      gst_message_parse_error (msg, &err, &debug);
      g_error ("%s (%s)", err->message, debug);
    }
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  g_assert_cmpuint (n_messages, ==, 3);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  head_clear (&head);
}

/* ---- the head's recorded scoring, default labels ------------------------ */

/* A head whose file records scoring=linear (as radio-make-classifier
 * writes it) scored with cosine: one warning however many frames, none
 * with scoring=linear.  labels is unset: the element reads head.txt beside
 * head.safetensors.  The scores tell which scoring was used: cosine at
 * temperature 0.01 makes "right" certain, linear gives softmax(0.2, 3). */
static void
test_scoring_mismatch (void)
{
  static const char *const names[] = { "left", "right", NULL };
  static const char *const metadata[] = { "scoring", "linear", NULL };
  static const gfloat w[2 * 2] = { 1, 0, 0, 1 };
  static const gfloat x[2] = { 0.2f, 3.0f };
  g_autofree char *dir = radio_test_make_tmp_dir ("radioclassify-XXXXXX");
  g_autofree char *weights = g_build_filename (dir, "head.safetensors", NULL);
  g_autofree char *labels = g_build_filename (dir, "head.txt", NULL);
  g_autoptr (GError) error = NULL;
  RadioTestFeatures f = { .frame_width = 32,
    .frame_height = 32,
    .format = GST_VIDEO_FORMAT_RGB,
    .grid_width = 2,
    .grid_height = 2,
    .embed_dim = 2,
    .summary = x,
    .n_summary_tokens = 1 };
  const gdouble linear_right = 1.0 / (1.0 + exp (0.2 - 3.0));
  GstRadioClassificationMeta *m;
  GstHarness *h;
  GstBuffer *out;
  guint i;

  g_assert_true (radio_head_save (
      weights, labels, 2, 2, w, NULL, names, NULL, metadata, &error));
  g_assert_no_error (error);

  h = radio_test_harness_new_with_bus (
      "radioclassify weights=\"%s\" scoring=cosine", weights);
  for (i = 0; i < 3; i++) {
    out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
    m = gst_buffer_get_radio_classification_meta (out, NULL);
    g_assert_nonnull (m);
    g_assert_cmpstr (m->labels[0], ==, "right");
    g_assert_cmpfloat (m->scores[0], >, 0.9999);
    gst_buffer_unref (out);
    g_assert_cmpuint (radio_test_count_messages (GST_ELEMENT_BUS (h->element),
                          GST_MESSAGE_WARNING, "made for linear scoring"),
        ==, i ? 0 : 1);
  }
  radio_test_harness_teardown (h);

  h = radio_test_harness_new_with_bus (
      "radioclassify weights=\"%s\" scoring=linear", weights);
  out = radio_test_harness_push_features (h, &f, GST_FLOW_OK);
  m = gst_buffer_get_radio_classification_meta (out, NULL);
  g_assert_nonnull (m);
  g_assert_cmpstr (m->labels[0], ==, "right");
  g_assert_cmpfloat_with_epsilon (m->scores[0], linear_right, 1e-5);
  gst_buffer_unref (out);
  g_assert_cmpuint (radio_test_count_messages (GST_ELEMENT_BUS (h->element),
                        GST_MESSAGE_WARNING, NULL),
      ==, 0);
  radio_test_harness_teardown (h);
  radio_test_remove_tree (dir);
}

/* ---- hostile inputs ------------------------------------------------------ */

/* radio_head_top_k with k = 0 (or no values) finds nothing and touches
 * nothing: it used to read ids[k - 1], far out of bounds. */
static void
test_head_top_k_zero (void)
{
  const gfloat v[4] = { 0.5f, 2.0f, -1.0f, 1.0f };
  guint ids[4] = { 7, 7, 7, 7 };

  g_assert_cmpuint (radio_head_top_k (v, 4, 0, ids), ==, 0);
  g_assert_cmpuint (radio_head_top_k (v, 0, 3, ids), ==, 0);
  g_assert_cmpuint (ids[0], ==, 7);
  g_assert_cmpuint (radio_head_top_k (v, 4, 1, ids), ==, 1);
  g_assert_cmpuint (ids[0], ==, 1);
}

/* Softmax at extreme temperatures stays a distribution: a tiny one used
 * to overflow v / T to +-inf and give inf - inf = NaN (or 0 / 0 when
 * every logit is negative); a huge one is uniform. */
static void
test_head_softmax_extremes (void)
{
  static const struct {
    gfloat v[3];
    gdouble temperature;
    gdouble want[3];
  } cases[] = {
    { { 1.0f, 0.0f, -1.0f }, 1e-310, { 1, 0, 0 } },
    { { -1.0f, -2.0f, -3.0f }, 1e-310, { 1, 0, 0 } },
    { { -3.0f, 3e38f, -3e38f }, 1e-300, { 0, 1, 0 } },
    { { 5.0f, -5.0f, 0.0f }, 1e300, { 1 / 3.0, 1 / 3.0, 1 / 3.0 } },
  };
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gfloat p[3];
    memcpy (p, cases[i].v, sizeof (p));
    radio_head_softmax (p, 3, cases[i].temperature);
    for (k = 0; k < 3; k++) {
      g_assert_true (isfinite (p[k]));
      g_assert_cmpfloat_with_epsilon (p[k], cases[i].want[k], 1e-6);
    }
  }
}

/* The element at the same extremes, and K = 1 heads. */
static void
test_temperature_extremes (void)
{
  static const char *const one[] = { "only", NULL };
  static const gfloat w1[2] = { 1.0f, 0.0f };
  const gfloat w[3 * 2] = { 1, 0, 0, 1, -1, -1 };
  const gfloat x[2] = { -2.0f, -3.0f };
  RadioTestFeatures f = summary_features (x, 2);
  GstRadioClassificationMeta *m;
  GstBuffer *out;
  Head head, head1;
  Classify c;
  guint i;

  /* linear logits -2, -3, 5: class 2 takes everything when T -> 0 */
  head_init (&head, 3, 2, w, NULL, animal_labels);
  classify_init (&c, &head, &f, "scoring=linear temperature=1e-310");
  out = classify_push (&c, &f);
  m = get_result (out);
  g_assert_cmpuint (m->n_results, ==, 3);
  g_assert_cmpuint (m->class_ids[0], ==, 2);
  g_assert_cmpfloat (m->scores[0], ==, 1.0f);
  for (i = 1; i < 3; i++)
    g_assert_cmpfloat (m->scores[i], ==, 0.0f);
  gst_buffer_unref (out);

  g_object_set (c.element, "temperature", 1e6, NULL);
  out = classify_push (&c, &f);
  m = get_result (out);
  for (i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (m->scores[i], 1 / 3.0, 1e-5);
  gst_buffer_unref (out);
  classify_clear (&c);
  head_clear (&head);

  /* one class: always it, with score 1, whatever the scoring */
  head_init (&head1, 1, 2, w1, NULL, one);
  g_assert_cmpfloat (only_result (&head1, &f, "top-k=5", 0, "only"), ==, 1.0f);
  head_clear (&head1);
}

/* A head whose bias is NaN or infinite is refused at start (it used to
 * load, then blame the features for every frame's NaN scores). */
static void
test_bad_bias (void)
{
  const gfloat w[3 * 2] = { 1, 0, 0, 1, 1, 1 };
  const gfloat bad[2] = { NAN, INFINITY };
  guint i;

  for (i = 0; i < 2; i++) {
    gfloat bias[3] = { 0.0f, bad[i], 0.5f };
    Head head;
    head_init (&head, 3, 2, w, bias, animal_labels);
    expect_load_failure (head.weights, head.labels, head.weights,
        "class 1's bias is not finite");
    head_clear (&head);
  }
}

/* Labels that a labels file would not give back are refused on save;
 * one that ends like a colour keeps its end. */
static void
test_label_round_trip (void)
{
  static const char *const bad[]
      = { " cat", "cat ", "ca\rt", "caf\xe9", "", NULL };
  static const char *const names[] = { "cat #ff0000", "caf\xc3\xa9", NULL };
  const gfloat w[2 * 2] = { 1, 0, 0, 1 };
  g_autofree char *dir = radio_test_make_tmp_dir ("radioclassify-XXXXXX");
  g_autofree char *weights = g_build_filename (dir, "h.safetensors", NULL);
  g_autofree char *labels = g_build_filename (dir, "h.txt", NULL);
  g_autoptr (RadioHead) head = NULL;
  g_autoptr (GError) error = NULL;
  guint8 palette[3];
  guint i;

  for (i = 0; bad[i]; i++) {
    const char *two[] = { "fine", bad[i], NULL };
    g_assert_false (radio_head_save (
        weights, labels, 2, 2, w, NULL, two, NULL, NULL, &error));
    g_assert_error (error, RADIO_ERROR, RADIO_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "class 1"));
    g_clear_error (&error);
    g_assert_false (g_file_test (weights, G_FILE_TEST_EXISTS));
  }
  g_assert_true (radio_head_save (
      weights, labels, 2, 2, w, NULL, names, NULL, NULL, &error));
  g_assert_no_error (error);
  head = radio_head_load (weights, labels, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (head->labels[0], ==, "cat #ff0000");
  g_assert_cmpstr (head->labels[1], ==, "caf\xc3\xa9");
  radio_head_default_color (0, palette);
  g_assert_cmpmem (head->colors, 3, palette, 3);
  radio_test_remove_tree (dir);
}

/* The overlay on tiny and odd-sized YUV frames (chroma planes rounded up)
 * with a long label and non-ASCII text: luma changes only inside the
 * clipped box, chroma only where its samples lie wholly inside it. */
static void
test_overlay_odd_yuv (void)
{
  static const guint sizes[][2]
      = { { 1, 1 }, { 3, 5 }, { 5, 3 }, { 7, 9 }, { 41, 31 }, { 2, 2 } };
  static const char *const formats[] = { "NV12", "I420" };
  GString *long_label = g_string_new ("\xe6\x97\xa5\xe6\x9c\xac ");
  const char *names[4] = { "cat", NULL, "\xc3\xa9t\xc3\xa9", NULL };
  guint s, fi, px, py, comp;
  Head head = { 0 };

  while (long_label->len < 600)
    g_string_append (long_label, " a-very-long-label");
  names[1] = long_label->str;
  {
    g_autoptr (GRand) rand = g_rand_new_with_seed (17);
    gfloat w[3 * DIM];
    guint k;
    for (k = 0; k < 3; k++)
      random_unit (rand, w + k * DIM, DIM);
    head_init (&head, 3, DIM, w, NULL, names);
  }
  for (fi = 0; fi < G_N_ELEMENTS (formats); fi++) {
    GstVideoFormat format = gst_video_format_from_string (formats[fi]);
    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      guint width = sizes[s][0], height = sizes[s][1];
      GstBuffer *out = overlay_frame (&head, format, width, height, TRUE);
      GstRadioClassificationMeta *m = get_result (out);
      GstVideoFrame frame;
      guint bx, by, bw, bh;

      expected_box (m, height, &bx, &by, &bw, &bh);
      radio_test_map_frame (&frame, out, format, width, height);
      for (py = 0; py < height; py++)
        for (px = 0; px < width; px++)
          if (!inside (px, py, bx, by, bw, bh))
            g_assert_cmpuint (*comp_pixel (&frame, 0, px, py), ==, yuv_fill[0]);
      for (comp = 1; comp < 3; comp++)
        for (py = 0; py < (guint)GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp);
             py++)
          for (px = 0; px < (guint)GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp);
               px++)
            if (!inside (2 * px, 2 * py, bx, by, bw, bh))
              g_assert_cmpuint (
                  *comp_pixel (&frame, comp, px, py), ==, yuv_fill[comp]);
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (out);
    }
  }
  head_clear (&head);
  g_string_free (long_label, TRUE);
}

int
main (int argc, char **argv)
{
  static const guint small[2] = { 160, 120 };
  static const guint large[2] = { 640, 480 };
  static const guint tiny[2] = { 40, 30 }; /* smaller than the text */

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/radioclassify/known/cosine", GINT_TO_POINTER (TRUE),
      test_known_summary);
  g_test_add_data_func ("/radioclassify/known/linear", GINT_TO_POINTER (FALSE),
      test_known_summary);
  g_test_add_func ("/radioclassify/known/exact-row", test_exact_row);
  g_test_add_func ("/radioclassify/top-k", test_top_k);
  g_test_add_func ("/radioclassify/temperature", test_temperature);
  g_test_add_func ("/radioclassify/summary-token", test_summary_token);
  g_test_add_func ("/radioclassify/adaptor-source", test_adaptor_source);
  g_test_add_func ("/radioclassify/message", test_message);
  g_test_add_data_func (
      "/radioclassify/overlay/rgb-120", small, test_overlay_rgb);
  g_test_add_data_func (
      "/radioclassify/overlay/rgb-480", large, test_overlay_rgb);
  g_test_add_data_func (
      "/radioclassify/overlay/rgb-clipped", tiny, test_overlay_rgb);
  g_test_add_data_func (
      "/radioclassify/overlay/NV12", "NV12", test_overlay_yuv);
  g_test_add_data_func (
      "/radioclassify/overlay/I420", "I420", test_overlay_yuv);
  g_test_add_func ("/radioclassify/no-meta", test_no_meta);
  g_test_add_func ("/radioclassify/warnings", test_warnings);
  g_test_add_func ("/radioclassify/errors/features", test_wrong_features);
  g_test_add_func ("/radioclassify/errors/load", test_load_errors);
  g_test_add_func ("/radioclassify/builtin-model", test_builtin_model);
  g_test_add_func ("/radioclassify/scoring-mismatch", test_scoring_mismatch);
  g_test_add_func ("/radioclassify/head/top-k-zero", test_head_top_k_zero);
  g_test_add_func (
      "/radioclassify/head/softmax-extremes", test_head_softmax_extremes);
  g_test_add_func (
      "/radioclassify/temperature-extremes", test_temperature_extremes);
  g_test_add_func ("/radioclassify/errors/bias", test_bad_bias);
  g_test_add_func (
      "/radioclassify/head/label-round-trip", test_label_round_trip);
  g_test_add_func ("/radioclassify/overlay/odd-yuv", test_overlay_odd_yuv);
  return g_test_run ();
}
