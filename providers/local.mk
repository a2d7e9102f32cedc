libsbx_a_SOURCES += \
	%reldir%/provider.h \
	%reldir%/registry.c \
	%reldir%/local.c \
	%reldir%/vars.c %reldir%/vars.h
