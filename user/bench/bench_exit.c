/* The child of the domain_create benchmark row: exits at once. */
int main(void) { return 0; }
