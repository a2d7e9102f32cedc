libsbx_a_SOURCES += \
	%reldir%/config.c %reldir%/lifecycle.h \
	%reldir%/cost.c %reldir%/cost-int.h \
	%reldir%/cost-report.c \
	%reldir%/jentry.c %reldir%/jentry.h \
	%reldir%/money.c %reldir%/money.h \
	%reldir%/notify.c \
	%reldir%/plan.c \
	%reldir%/resolve.c \
	%reldir%/sandbox.c \
	%reldir%/state.c \
	%reldir%/tick.c
