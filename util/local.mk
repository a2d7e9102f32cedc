libsbx_a_SOURCES += \
	%reldir%/err.c \
	%reldir%/buf.c \
	%reldir%/hash.c %reldir%/hash.h \
	%reldir%/strmap.c %reldir%/strmap.h \
	%reldir%/fsutil.c %reldir%/fsutil.h
libsbx_a_SOURCES += %reldir%/timeutil.c %reldir%/timeutil.h
libsbx_a_SOURCES += %reldir%/linediff.c
