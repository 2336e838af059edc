/* test-util.h: small helpers shared by the test programs. */
#ifndef RADIO_TEST_UTIL_H
#define RADIO_TEST_UTIL_H

#include <glib.h>

/* Deletes path and, for a folder, everything below it (links are removed,
 * not followed); asserts that every removal succeeds. */
void radio_test_remove_tree (const char *path);

#endif /* RADIO_TEST_UTIL_H */
