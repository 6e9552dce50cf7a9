# The sample module's exercise, run in the load-test guest after its modules are loaded (kmodforge verify --boot;
# docs/boot-test.md): every parameter of every loaded module is read, and written back when writable; every
# character device that appeared with the modules is written to and read from.
status=0
for m in $KMODFORGE_MODULES; do
  for p in /sys/module/$m/parameters/*; do
    [ -e "$p" ] || continue
    kmf_op read-param "$p" cat "$p" || status=1
    case "$(ls -l "$p" | cut -c3)" in
      w) v="$(cat "$p")"; kmf_op write-param "$p" sh -c 'printf "%s\n" "$1" > "$2"' _ "$v" "$p" || status=1 ;;
    esac
  done
done
for d in $KMODFORGE_NEW_DEVICES; do
  [ -c "/dev/$d" ] || continue
  kmf_op write-dev "/dev/$d" sh -c 'echo kmodforge-probe > "$1"' _ "/dev/$d" || status=1
  kmf_op read-dev "/dev/$d" timeout 5 head -c 4096 "/dev/$d" || status=1
done
exit $status
