/* markdown.h: CommonMark to HTML with cmark in safe mode (raw HTML never passes through). */
#ifndef IASC_MARKDOWN_H
#define IASC_MARKDOWN_H

/* Returns malloc'd HTML (free with free()), or NULL when out of memory. */
char *markdown_render(const char *markdown);

#endif
