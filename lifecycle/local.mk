libsbx_a_SOURCES += \
	%reldir%/config.c %reldir%/lifecycle.h \
	%reldir%/notify.c \
	%reldir%/plan.c \
	%reldir%/resolve.c \
	%reldir%/sandbox.c \
	%reldir%/state.c \
	%reldir%/tick.c
