libsbx_a_SOURCES += \
	%reldir%/provider.h \
	%reldir%/registry.c \
	%reldir%/local.c \
	%reldir%/exec.c \
	%reldir%/http.c \
	%reldir%/reply.c %reldir%/reply.h \
	%reldir%/retry.c %reldir%/retry.h \
	%reldir%/spawn.c %reldir%/spawn.h \
	%reldir%/vars.c %reldir%/vars.h
