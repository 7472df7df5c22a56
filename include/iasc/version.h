/* version.h: the version this binary was built from ("git describe", or the project's version
 * outside a git checkout). */
#ifndef IASC_VERSION_H
#define IASC_VERSION_H

extern const char IASC_VERSION[];

#endif
