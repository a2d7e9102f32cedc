libsbx_a_SOURCES += \
	%reldir%/config.c %reldir%/lifecycle.h \
	%reldir%/resolve.c \
	%reldir%/sandbox.c \
	%reldir%/state.c
