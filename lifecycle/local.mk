libsbx_a_SOURCES += \
	%reldir%/config.c %reldir%/lifecycle.h \
	%reldir%/jentry.c %reldir%/jentry.h \
	%reldir%/money.c %reldir%/money.h \
	%reldir%/money.c %reldir%/money.h \
	%reldir%/sandbox.c \
	%reldir%/state.c
