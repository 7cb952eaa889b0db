/* placeholder: being written (issue 2) */
#include "config.h"
#include "core/log.h"
int main(void)
{
	msg_fatal("not built yet");
}
