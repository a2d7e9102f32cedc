libsbx_a_SOURCES += \
	%reldir%/gate.c \
	%reldir%/glob.c %reldir%/glob.h \
	%reldir%/harden.c %reldir%/harden.h \
	%reldir%/jdiff.c \
	%reldir%/jsel.c %reldir%/jsel.h \
	%reldir%/jsonpos.c %reldir%/jsonpos.h \
	%reldir%/jvalid.c %reldir%/jvalid.h \
	%reldir%/mask.c %reldir%/mask.h \
	%reldir%/master.c \
	%reldir%/policy.c %reldir%/policy.h \
	%reldir%/report.c %reldir%/report.h \
	%reldir%/schedule.c %reldir%/schedule.h \
	%reldir%/pseudonym.c \
	%reldir%/reveal.c %reldir%/reveal.h \
	%reldir%/secrets.c %reldir%/secrets.h
