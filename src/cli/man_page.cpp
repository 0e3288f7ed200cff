// cords-summarize --man: the man page from the commands' option tables (train's section comes from the plugin).
#include <iostream>

#include "cli/option_table.h"

namespace cords::cli {

void print_man_page(std::ostream& os) {
  os << ".TH CORDS\\-SUMMARIZE 1 \"\" \"cords-summarize " << CORDS_VERSION_STRING << "\" \"User Commands\"\n"
     << ".SH NAME\ncords\\-summarize \\- summarize videos and select representative subsets of data\n"
     << ".SH SYNOPSIS\n\\fBcords\\-summarize\\fR \\fIINPUT\\fR [options]\n.br\n"
     << "\\fBcords\\-summarize select\\fR \\-\\-features \\fIX.npy\\fR [options]\n.br\n"
     << "\\fBcords\\-summarize train\\fR \\-\\-dataset \\fINAME\\fR \\-o \\fIOUT\\fR [options]\n.br\n"
     << "\\fBcords\\-summarize report\\fR \\fIOUT\\fR\n"
     << ".SH DESCRIPTION\nSummarizes a video into keyframes, a contact sheet and a clip; selects a representative "
        "subset of an n x d matrix by submodular maximization; trains a classifier on subsets chosen by CORDS' "
        "strategies. Each option below is one row of its command's option table (src/cli), which also drives "
        "parsing, --help and completion. The documentation is in docs/ of the source tree.\n";
#ifdef CORDS_HAVE_VIDEO
  os << ".SH SUMMARY OPTIONS\n";
  summarize_options_for_docs()->print_man(os);
#endif
  os << ".SH SELECT OPTIONS\n";
  select_options_for_docs()->print_man(os);
}

void print_man_tail(std::ostream& os) {
  os << ".SH EXIT STATUS\n.nf\n" << roff(exit_code_help()) << "\n.fi\n";
}

}  // namespace cords::cli
